output "task_definition_family" {
  description = "Task family to run (aws ecs run-task --task-definition <family>)."
  value       = aws_ecs_task_definition.this.family
}

output "security_group_id" {
  description = "Security group of the task; the database admits it."
  value       = aws_security_group.this.id
}

output "command" {
  description = "Command of the container (the api's db-init subcommand)."
  value       = local.command
}

output "image" {
  description = "Image the task runs."
  value       = var.image
}

output "task_role_policy" {
  description = "JSON policy of the task role."
  value       = aws_iam_role_policy.task.policy
}

output "role_permissions_boundaries" {
  description = "Permissions boundary of each role the module creates."
  value       = [for r in flatten([aws_iam_role.execution, aws_iam_role.task]) : r.permissions_boundary]
}
