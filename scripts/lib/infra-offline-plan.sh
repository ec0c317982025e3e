#!/usr/bin/env bash
# Offline `terraform plan` of one environment: no AWS account, no network.
# Uses the local provider mirror, fake credentials, a temporary local backend
# (backend_override.tf, removed on exit) and offline_plan=true, which turns off
# the provider's own credential/account lookups. -refresh=false: nothing is read
# from AWS, so the plan shows every resource as "to be created".
#
#   scripts/lib/infra-offline-plan.sh dev [image_tag] [extra terraform plan args...]
set -euo pipefail

env_name="${1:?usage: infra-offline-plan.sh <global|dev|staging|prod> [image_tag] [plan args...]}"
image_tag="${2:-v0.0.0-offline}"
shift $(($# >= 2 ? 2 : 1))

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/environments/$env_name"
[ -d "$dir" ] || { echo "no such environment: $dir" >&2; exit 2; }

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/offline-plan.XXXXXX")"
override="$dir/backend_override.tf"
cleanup() { rm -rf "$data_dir" "$override"; }
trap cleanup EXIT
printf 'terraform {\n  backend "local" {\n    path = "%s/terraform.tfstate"\n  }\n}\n' "$data_dir" >"$override"

export TF_CLI_CONFIG_FILE=/dev/null TF_DATA_DIR="$data_dir/.terraform" TF_IN_AUTOMATION=1 TF_INPUT=0
export AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN

terraform -chdir="$dir" init -plugin-dir="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}" -reconfigure -no-color >/dev/null
vars=(-var offline_plan=true)
[ "$env_name" = global ] || vars+=(-var "image_tag=$image_tag" -var "origin_verify_secret=offline-plan-origin-verify-secret-0000")
terraform -chdir="$dir" plan -refresh=false -lock=false -no-color "${vars[@]}" "$@"
