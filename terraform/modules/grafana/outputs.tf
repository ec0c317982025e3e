output "folder_uid" {
  description = "Uid of the dashboards folder."
  value       = grafana_folder.shoptrail.uid
}

output "dashboard_uids" {
  description = "Dashboard uids by file name."
  value       = { for f, d in grafana_dashboard.this : f => d.uid }
}

output "data_source_uid" {
  description = "Uid of the Prometheus data source."
  value       = grafana_data_source.prometheus.uid
}
