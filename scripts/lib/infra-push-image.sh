#!/usr/bin/env bash
# Build one image and push it to ECR as $REGISTRY/<repository>:$TAG, unless that
# tag already exists (tags are immutable, so a re-run of a release must not fail).
# Used by .github/workflows/deploy.yml. Usage: infra-push-image.sh <repository> <dockerfile>
set -euo pipefail

repository="${1:?repository name}"
dockerfile="${2:?Dockerfile path}"
: "${REGISTRY:?REGISTRY (ECR registry host) must be set}"
: "${TAG:?TAG (the release tag) must be set}"

image="$REGISTRY/$repository:$TAG"
if aws ecr describe-images --repository-name "$repository" --image-ids "imageTag=$TAG" >/dev/null 2>&1; then
  echo "$image already exists; not rebuilding (tags are immutable)"
  exit 0
fi

docker buildx build \
  --file "$dockerfile" \
  --tag "$image" \
  --label "org.opencontainers.image.version=$TAG" \
  --label "org.opencontainers.image.revision=${GITHUB_SHA:-unknown}" \
  --provenance=false \
  --push \
  .
echo "pushed $image"
