output "prometheus_workspace_arn" {
  description = "ARN of the AMP workspace (the sidecars' aps:RemoteWrite resource)."
  value       = aws_prometheus_workspace.this.arn
}

output "prometheus_endpoint" {
  description = "Endpoint of the AMP workspace, ending in /: remote write at api/v1/remote_write, queries at api/v1/query."
  value       = aws_prometheus_workspace.this.prometheus_endpoint
}

output "grafana_workspace_id" {
  description = "Id of the Amazon Managed Grafana workspace."
  value       = aws_grafana_workspace.this.id
}

output "grafana_endpoint" {
  description = "Host name of the Grafana workspace."
  value       = aws_grafana_workspace.this.endpoint
}

output "grafana_data_sources" {
  description = "Data source types the workspace is allowed to use."
  value       = aws_grafana_workspace.this.data_sources
}

output "provisioner_service_account_id" {
  description = "Service account the deploy workflow mints short-lived tokens for to load the dashboards."
  value       = aws_grafana_workspace_service_account.provisioner.service_account_id
}

output "region" {
  description = "Region of the workspaces (SigV4 region of the Prometheus data source)."
  value       = data.aws_region.current.name
}

output "role_permissions_boundaries" {
  description = "Permissions boundary of each role the module creates."
  value       = [for r in flatten([aws_iam_role.grafana]) : r.permissions_boundary]
}
