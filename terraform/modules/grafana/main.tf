# Loads the same dashboard JSON that docker/compose.yaml provisions locally, so
# the local stack and the hosted Grafana cannot drift apart. The dashboards
# address their data source by uid, so the data source keeps that uid here.

locals {
  dashboards_dir  = coalesce(var.dashboards_dir, "${path.module}/../../../docker/grafana/dashboards")
  dashboard_files = fileset(local.dashboards_dir, "*.json")
}

resource "grafana_folder" "shoptrail" {
  title = var.folder_title
  uid   = var.folder_uid
}

resource "grafana_data_source" "prometheus" {
  type       = "prometheus"
  name       = var.prometheus_data_source.name
  uid        = var.prometheus_data_source.uid
  url        = var.prometheus_data_source.url
  is_default = true

  json_data_encoded = jsonencode(merge(
    { httpMethod = "POST", timeInterval = "60s" },
    var.prometheus_data_source.sigv4_region == null ? {} : {
      sigV4Auth     = true
      sigV4AuthType = "default"
      sigV4Region   = var.prometheus_data_source.sigv4_region
    },
  ))
}

resource "grafana_dashboard" "this" {
  for_each = local.dashboard_files

  folder      = grafana_folder.shoptrail.uid
  config_json = file("${local.dashboards_dir}/${each.value}")
  overwrite   = true
  message     = "Managed by Terraform (terraform/modules/grafana) from docker/grafana/dashboards/${each.value}."
}
