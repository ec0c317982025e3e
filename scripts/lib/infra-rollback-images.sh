#!/usr/bin/env bash
# Image-only rollback: registers, for each service, a copy of its running task
# definition whose app container runs <tag> of the same repository, points the
# service at it and waits until every service is stable. No Terraform: the
# infrastructure stays as the last apply left it.
#
#   scripts/lib/infra-rollback-images.sh <cluster> <tag> <service>...
set -euo pipefail

cluster="${1:?usage: infra-rollback-images.sh <cluster> <tag> <service>...}"
tag="${2:?usage: infra-rollback-images.sh <cluster> <tag> <service>...}"
shift 2
[ "$#" -gt 0 ] || { echo "name at least one service" >&2; exit 2; }
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ && "$tag" != latest ]] || { echo "not an immutable image tag: $tag" >&2; exit 2; }

for service in "$@"; do
  current="$(aws ecs describe-services --cluster "$cluster" --services "$service" --query 'services[0].taskDefinition' --output text)"
  definition="$(aws ecs describe-task-definition --task-definition "$current" --query taskDefinition --output json)"
  image="$(jq -r '.containerDefinitions[] | select(.name == "app") | .image' <<<"$definition")"
  repository="${image%:*}"
  # The image must exist before ECS is asked to run it.
  registry_id="${repository%%.*}"
  repository_name="${repository#*/}"
  aws ecr batch-get-image --registry-id "$registry_id" --repository-name "$repository_name" \
    --image-ids imageTag="$tag" --query 'images[0].imageId.imageTag' --output text | grep -qx "$tag" \
    || { echo "$repository:$tag does not exist" >&2; exit 1; }

  new_definition="$(jq --arg image "$repository:$tag" '
    .containerDefinitions |= map(if .name == "app" then .image = $image else . end)
    | {family, taskRoleArn, executionRoleArn, networkMode, containerDefinitions, volumes,
       requiresCompatibilities, cpu, memory, runtimePlatform}' <<<"$definition")"
  revision="$(aws ecs register-task-definition --cli-input-json "$new_definition" \
    --query 'taskDefinition.taskDefinitionArn' --output text)"
  aws ecs update-service --cluster "$cluster" --service "$service" --task-definition "$revision" >/dev/null
  echo "$service: $image -> $repository:$tag ($revision)"
done

aws ecs wait services-stable --cluster "$cluster" --services "$@"
echo "stable: $*"
