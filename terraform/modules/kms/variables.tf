variable "name" {
  description = "Name of the key, also used for its alias (alias/<name>), e.g. shoptrail-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,200}$", var.name)) && !startswith(var.name, "aws/")
    error_message = "name must be a valid KMS alias suffix and must not start with aws/."
  }
}

variable "account_id" {
  description = "AWS account id that owns the key (12 digits). Passed in rather than looked up so plans work offline."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "deletion_window_in_days" {
  description = "Waiting period before a scheduled key deletion completes."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "decrypt_via_ecr_account_ids" {
  description = "Other AWS accounts that may decrypt with the key through ECR only (pulling images encrypted with it)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
