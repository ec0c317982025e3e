variable "bucket_name" {
  description = "Globally unique name of the exports bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for SSE-KMS (with an S3 bucket key); null falls back to SSE-S3."
  type        = string
  default     = null
}

variable "transition_to_ia_days" {
  description = "Days after which exports move to STANDARD_IA (minimum 30); null keeps them in STANDARD."
  type        = number
  default     = 30

  validation {
    condition     = var.transition_to_ia_days == null || try(var.transition_to_ia_days >= 30, false)
    error_message = "S3 requires at least 30 days before a STANDARD_IA transition."
  }
}

variable "expiration_days" {
  description = "Days after which exports expire; null keeps them. With a STANDARD_IA transition it must come after it (S3 refuses the rule otherwise): set transition_to_ia_days = null for short-lived exports."
  type        = number
  default     = null

  # S3 rejects a lifecycle rule whose expiration is not later than its
  # transition, so the first apply would fail; refuse it at plan time.
  validation {
    # HCL does not short-circuit ||: conditionals keep null out of comparisons.
    condition = (
      var.expiration_days == null ? true :
      var.transition_to_ia_days == null ? var.expiration_days >= 1 :
      var.expiration_days > var.transition_to_ia_days
    )
    error_message = "expiration_days must be at least 1 and later than transition_to_ia_days (or set transition_to_ia_days = null)."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days overwritten or deleted export versions are kept."
  type        = number
  default     = 30
}

variable "access_log_bucket_name" {
  description = "Bucket receiving S3 server access logs (prefix s3/<bucket>/); null disables them."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
