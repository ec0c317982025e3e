#!/usr/bin/env bash
# Runs an environment's one-off db-init task (terraform/modules/db_init) and
# waits for it: creates the application's database user and fills the MongoDB
# URI secret. Fails unless the container exits 0. Needs the environment's
# terraform outputs (run after apply) and AWS credentials of its deploy role.
#
#   scripts/lib/infra-db-init.sh environments/dev
set -euo pipefail

env_dir="${1:?usage: infra-db-init.sh <environment dir>}"
out() { terraform -chdir="$env_dir" output -json "$1"; }

cluster="$(terraform -chdir="$env_dir" output -raw ecs_cluster_name)"
task="$(out db_init_task)"
family="$(jq -r .family <<<"$task")"
subnets="$(jq -r '.subnet_ids | join(",")' <<<"$task")"
security_group="$(jq -r .security_group_id <<<"$task")"

task_arn="$(aws ecs run-task \
  --cluster "$cluster" \
  --task-definition "$family" \
  --launch-type FARGATE \
  --count 1 \
  --started-by db-init \
  --network-configuration "awsvpcConfiguration={subnets=[$subnets],securityGroups=[$security_group],assignPublicIp=DISABLED}" \
  --query 'tasks[0].taskArn' --output text)"
echo "db-init task: $task_arn"

aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task_arn"
read -r exit_code reason < <(aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
  --query 'tasks[0].[containers[0].exitCode, stoppedReason]' --output text)
echo "db-init exit code: $exit_code ($reason)"
[ "$exit_code" = "0" ]
