variable "dashboards_dir" {
  description = "Directory of the dashboard JSON files; null means docker/grafana/dashboards of this repository (the files docker/compose.yaml provisions)."
  type        = string
  default     = null
}

variable "folder_title" {
  description = "Title of the Grafana folder holding the dashboards."
  type        = string
  default     = "Shoptrail"
}

variable "folder_uid" {
  description = "Uid of the Grafana folder."
  type        = string
  default     = "shoptrail"
}

variable "prometheus_data_source" {
  description = "Prometheus-compatible data source the dashboards query. uid must stay \"prometheus\" (the dashboards reference it). For Amazon Managed Service for Prometheus set url to the workspace query URL and sigv4_region."
  type = object({
    name         = optional(string, "Prometheus")
    uid          = optional(string, "prometheus")
    url          = string
    sigv4_region = optional(string)
  })

  validation {
    condition     = var.prometheus_data_source.uid == "prometheus"
    error_message = "The dashboards reference the data source uid \"prometheus\"."
  }
}
