output "arns" {
  description = "Secret ARNs by key: pass them to ecs_service secrets."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "names" {
  description = "Secret names by key: for put-secret-value."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}
