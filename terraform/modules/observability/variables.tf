variable "name" {
  description = "Name prefix of alarms, topic and dashboard, e.g. shoptrail-dev."
  type        = string
}

variable "environment" {
  description = "Environment name; the Environment dimension of the custom metrics."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the API load balancer."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the API target group."
  type        = string
}

variable "ecs_cluster_name" {
  description = "ECS cluster name (dashboard)."
  type        = string
}

variable "api_service_name" {
  description = "ECS service name of the API (dashboard)."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the application's custom metrics (see README: published by the ADOT sidecar)."
  type        = string
  default     = "Shoptrail"
}

variable "api_metrics_service" {
  description = "Value of the Service dimension on the API's custom metrics."
  type        = string
  default     = "api"
}

variable "kms_key_arn" {
  description = "KMS key ARN encrypting the SNS topic (its policy must let cloudwatch.amazonaws.com use it)."
  type        = string
}

variable "alarm_email_addresses" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm)."
  type        = list(string)
  default     = []
}

variable "alarm_https_endpoints" {
  description = "HTTPS endpoints subscribed to the alarm topic: a PagerDuty or Opsgenie CloudWatch integration URL (they confirm the subscription themselves)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for url in var.alarm_https_endpoints : startswith(url, "https://")])
    error_message = "alarm_https_endpoints must be https:// URLs."
  }
}

variable "alarm_slack" {
  description = "Slack channel notified through AWS Chatbot ({ team_id, channel_id }; the workspace is authorised once in the Chatbot console); null for none."
  type = object({
    team_id    = string
    channel_id = string
  })
  default = null
}

variable "ecs_cluster_arn" {
  description = "ARN of the ECS cluster: deployment failures of its services are sent to the alarm topic."
  type        = string
}

variable "worker_min_running_tasks" {
  description = "Alarm when fewer worker tasks than this run."
  type        = number
  default     = 1
}

variable "docdb_cluster_id" {
  description = "DocumentDB cluster identifier for the database alarms; null for none (e.g. MongoDB Atlas)."
  type        = string
  default     = null
}

variable "docdb_cpu_percent" {
  description = "Alarm when DocumentDB CPU exceeds this, in percent."
  type        = number
  default     = 80
}

variable "docdb_min_freeable_memory_mib" {
  description = "Alarm when DocumentDB freeable memory drops below this, in MiB."
  type        = number
  default     = 512
}

variable "docdb_max_connections" {
  description = "Alarm when DocumentDB connections exceed this."
  type        = number
  default     = 500
}

variable "docdb_max_replica_lag_ms" {
  description = "Alarm when the largest replica lag exceeds this, in milliseconds."
  type        = number
  default     = 2000
}

variable "alb_5xx_rate_percent" {
  description = "Alarm when 5xx responses exceed this share of requests, in percent."
  type        = number
  default     = 5
}

variable "alb_p99_latency_seconds" {
  description = "Alarm when the ALB p99 TargetResponseTime exceeds this, in seconds."
  type        = number
  default     = 1
}

variable "min_healthy_hosts" {
  description = "Alarm when fewer API tasks than this are healthy."
  type        = number
  default     = 2
}

variable "queue_depth_threshold" {
  description = "Alarm when the batcher queue of a task holds more events than this."
  type        = number
  default     = 5000
}

variable "worker_service_name" {
  description = "ECS service name of the worker (dashboard CPU/memory widget)."
  type        = string
}

variable "worker_metrics_service" {
  description = "Value of the Service dimension on the worker's custom metrics (its metrics_sidecar service)."
  type        = string
  default     = "worker"
}

variable "export_max_age_hours" {
  description = "Alarm when the last successful export is older than this, in hours (the export runs daily)."
  type        = number
  default     = 26

  validation {
    condition     = var.export_max_age_hours >= 1
    error_message = "export_max_age_hours must be at least 1."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary attached to every role of the module (the environment's deploy role may only create bounded roles); null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
