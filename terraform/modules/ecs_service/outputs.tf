output "service_name" {
  description = "Name of the ECS service (CloudWatch ServiceName dimension)."
  value       = aws_ecs_service.this.name
}

output "service_id" {
  description = "Id (ARN) of the ECS service."
  value       = aws_ecs_service.this.id
}

output "task_definition_arn" {
  description = "ARN of the current task definition revision."
  value       = aws_ecs_task_definition.this.arn
}

output "security_group_id" {
  description = "Security group of the tasks; the database admits it."
  value       = aws_security_group.this.id
}

output "task_role_arn" {
  description = "ARN of the task role (application permissions)."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "ARN of the execution role (image pull, logs, secrets)."
  value       = aws_iam_role.execution.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the containers."
  value       = aws_cloudwatch_log_group.this.name
}

output "image" {
  description = "Image the task definition runs."
  value       = var.image
}

output "desired_count" {
  description = "Tasks the service starts with."
  value       = aws_ecs_service.this.desired_count
}

output "subnet_ids" {
  description = "Subnets the tasks run in."
  value       = one(aws_ecs_service.this.network_configuration).subnets
}

output "load_balanced" {
  description = "Whether the service is registered in a load balancer target group."
  value       = length(aws_ecs_service.this.load_balancer) > 0
}

output "listen_address" {
  description = "APP__SERVER__HOST:APP__SERVER__PORT given to the application container, or null when unset."
  value       = try("${local.app_environment["APP__SERVER__HOST"]}:${local.app_environment["APP__SERVER__PORT"]}", null)
}

output "environment_variables" {
  description = "Plain environment variables of the application container (never secrets; those are in secrets)."
  value       = local.app_environment
}

output "ingress_sources" {
  description = "Labels of the security groups allowed to reach the container port (empty: nothing may connect to the tasks)."
  value       = sort(keys(aws_vpc_security_group_ingress_rule.from_security_groups))
}

output "health_check_command" {
  description = "Container health check command, or null without one."
  value       = try(var.health_check.command, null)
}

output "metrics_scrape_target" {
  description = "host:port the metrics sidecar scrapes inside the task, or null without a sidecar."
  value       = local.sidecar_enabled ? "127.0.0.1:${local.sidecar_scrape_port}" : null
}

output "task_role_policy" {
  description = "JSON policy of the task role (what the application may call), or null when it has no statement."
  value       = try(aws_iam_role_policy.task[0].policy, null)
}

output "availability_zone_rebalancing" {
  description = "ENABLED when ECS rebalances tasks across AZs."
  value       = aws_ecs_service.this.availability_zone_rebalancing
}

output "deployment_alarms" {
  description = "Alarms that roll a deployment back ({ alarm_names, rollback }), or null."
  value       = try({ alarm_names = one(aws_ecs_service.this.alarms).alarm_names, rollback = one(aws_ecs_service.this.alarms).rollback }, null)
}

output "wait_for_steady_state" {
  description = "Whether terraform apply waits until the deployment is stable."
  value       = aws_ecs_service.this.wait_for_steady_state
}

output "sidecar_config" {
  description = "ADOT collector configuration of the metrics sidecar (YAML), or null."
  value       = local.sidecar_config
}

output "role_permissions_boundaries" {
  description = "Permissions boundary of each role the module creates."
  value       = [for r in flatten([aws_iam_role.execution, aws_iam_role.task]) : r.permissions_boundary]
}
