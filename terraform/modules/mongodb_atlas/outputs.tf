output "project_id" {
  description = "Atlas project id."
  value       = mongodbatlas_project.this.id
}

output "private_connection_strings" {
  description = "PrivateLink SRV connection strings of the cluster (append authMechanism=MONGODB-AWS&authSource=%24external)."
  value       = mongodbatlas_advanced_cluster.this.connection_strings
}

output "security_group_id" {
  description = "Security group of the PrivateLink endpoint."
  value       = aws_security_group.privatelink.id
}
