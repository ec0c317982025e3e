#!/usr/bin/env bash
# Loads the compose stack's dashboards (docker/grafana/dashboards/*.json, the
# one source of truth, checked against docker/prometheus/metrics.txt) into an
# environment's Amazon Managed Grafana workspace, with the Prometheus data
# source they reference (uid "prometheus", SigV4 to the environment's AMP
# workspace). Uses a service-account token that lives 10 minutes and is
# deleted on exit; nothing is stored. Run after terraform apply.
#
#   scripts/lib/infra-grafana-dashboards.sh environments/dev
set -euo pipefail

env_dir="${1:?usage: infra-grafana-dashboards.sh <environment dir>}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dashboards_dir="$root/docker/grafana/dashboards"

grafana="$(terraform -chdir="$env_dir" output -json grafana)"
workspace_id="$(jq -r .workspace_id <<<"$grafana")"
endpoint="https://$(jq -r .endpoint <<<"$grafana")"
service_account_id="$(jq -r .service_account_id <<<"$grafana")"
prometheus_url="$(jq -r .prometheus_endpoint <<<"$grafana")"
region="$(jq -r .region <<<"$grafana")"

token_json="$(aws grafana create-workspace-service-account-token \
  --workspace-id "$workspace_id" --service-account-id "$service_account_id" \
  --name "deploy-$(date -u +%Y%m%dT%H%M%S)-$$" --seconds-to-live 600 --output json)"
token_id="$(jq -r .serviceAccountToken.id <<<"$token_json")"
token="$(jq -r .serviceAccountToken.key <<<"$token_json")"
if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::add-mask::$token"; fi
cleanup() {
  aws grafana delete-workspace-service-account-token --workspace-id "$workspace_id" \
    --service-account-id "$service_account_id" --token-id "$token_id" >/dev/null || true
}
trap cleanup EXIT

api() { # METHOD PATH [BODY]: a Grafana HTTP API call with the token on stdin's config
  curl --fail-with-body --silent --show-error --request "$1" "$endpoint$2" \
    --config - --header 'Content-Type: application/json' ${3:+--data "$3"} <<<"header = \"Authorization: Bearer $token\""
}

datasource="$(jq -n --arg url "$prometheus_url" --arg region "$region" '{
  uid: "prometheus", name: "Prometheus", type: "prometheus", access: "proxy", url: $url, isDefault: true,
  jsonData: { httpMethod: "POST", timeInterval: "60s", sigV4Auth: true, sigV4AuthType: "ec2_iam_role", sigV4Region: $region }
}')"
if api GET /api/datasources/uid/prometheus >/dev/null 2>&1; then
  api PUT /api/datasources/uid/prometheus "$datasource" >/dev/null
else
  api POST /api/datasources "$datasource" >/dev/null
fi
echo "data source prometheus -> $prometheus_url"

api POST /api/folders '{"uid":"shoptrail","title":"Shoptrail"}' >/dev/null 2>&1 || true
shopt -s nullglob
files=("$dashboards_dir"/*.json)
[ "${#files[@]}" -gt 0 ] || { echo "no dashboards in $dashboards_dir" >&2; exit 1; }
for file in "${files[@]}"; do
  body="$(jq '{dashboard: (. + {id: null}), folderUid: "shoptrail", overwrite: true, message: "docker/grafana/dashboards via the deploy workflow"}' "$file")"
  api POST /api/dashboards/db "$body" >/dev/null
  echo "dashboard $(basename "$file")"
done
