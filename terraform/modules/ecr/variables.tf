variable "repository_names" {
  description = "Names of the repositories to create, e.g. [\"shoptrail-api\", \"shoptrail-worker\"]."
  type        = list(string)

  validation {
    condition     = alltrue([for n in var.repository_names : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", n))])
    error_message = "Each repository name must be a valid ECR repository name."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN encrypting the images; null uses the AWS managed ECR key."
  type        = string
  default     = null
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images expire."
  type        = number
  default     = 7
}

variable "keep_release_images" {
  description = "Number of v* release images kept per repository (rollback depth)."
  type        = number
  default     = 50
}

variable "keep_other_images" {
  description = "Upper bound of images of any tag kept per repository; must exceed keep_release_images."
  type        = number
  default     = 100

  validation {
    condition     = var.keep_other_images > 0
    error_message = "keep_other_images must be positive."
  }
}

variable "pull_account_ids" {
  description = "Other AWS accounts (the environments') whose roles may pull images."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.pull_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "pull_account_ids must be 12-digit account ids."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
