variable "name_prefix" {
  description = "Prefix of the secret names, e.g. shoptrail/dev; secrets are named <prefix>/<key>."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_+=.@-]+$", var.name_prefix))
    error_message = "name_prefix may only contain characters valid in secret names."
  }
}

variable "secrets" {
  description = "Secrets to create: key => description (what the value is and who sets it)."
  type        = map(string)

  validation {
    condition     = alltrue([for k in keys(var.secrets) : can(regex("^[a-zA-Z0-9/_+=.@-]+$", k))])
    error_message = "Secret keys may only contain characters valid in secret names."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN encrypting the secrets; null uses the AWS managed key."
  type        = string
  default     = null
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once; 7-30 otherwise)."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
