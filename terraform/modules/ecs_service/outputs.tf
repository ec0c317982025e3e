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
