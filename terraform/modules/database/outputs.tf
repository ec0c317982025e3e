output "cluster_id" {
  description = "Cluster identifier."
  value       = aws_docdb_cluster.this.id
}

output "endpoint" {
  description = "Writer endpoint (use with replicaSet=rs0 and readPreference=secondaryPreferred)."
  value       = aws_docdb_cluster.this.endpoint
}

output "reader_endpoint" {
  description = "Reader endpoint."
  value       = aws_docdb_cluster.this.reader_endpoint
}

output "port" {
  description = "Port of the cluster."
  value       = aws_docdb_cluster.this.port
}

output "security_group_id" {
  description = "Security group of the cluster."
  value       = aws_security_group.this.id
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed secret holding the master credentials."
  value       = try(aws_docdb_cluster.this.master_user_secret[0].secret_arn, null)
}

output "instance_availability_zones" {
  description = "Availability zone of each instance."
  value       = aws_docdb_cluster_instance.this[*].availability_zone
}

output "backup_retention_days" {
  description = "Days of automated snapshots kept (the point-in-time restore window)."
  value       = aws_docdb_cluster.this.backup_retention_period
}

output "preferred_backup_window" {
  description = "Daily UTC window of the automated snapshot."
  value       = aws_docdb_cluster.this.preferred_backup_window
}
