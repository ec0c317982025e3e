variable "name" {
  description = "Name of the web ACL, e.g. shoptrail-dev-edge."
  type        = string
}

variable "rate_limit_per_5_minutes" {
  description = "Requests per viewer IP per 5 minutes before the ACL blocks."
  type        = number
  default     = 20000

  validation {
    condition     = var.rate_limit_per_5_minutes >= 10
    error_message = "WAF rate limits start at 10 requests per 5 minutes."
  }
}

variable "log_retention_days" {
  description = "Retention of the WAF log group, in days."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "KMS key (in us-east-1, like the log group) encrypting the WAF logs."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
