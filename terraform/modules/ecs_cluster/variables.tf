variable "name" {
  description = "Name of the ECS cluster, e.g. shoptrail-dev."
  type        = string
}

variable "container_insights" {
  description = "Container Insights mode: enabled, or enhanced (per-task/container metrics, higher cost)."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced"], var.container_insights)
    error_message = "container_insights must be enabled or enhanced; this platform does not run without it."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for ECS Exec session encryption and its log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the ECS Exec log group, in days."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
