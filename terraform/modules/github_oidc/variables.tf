variable "github_repository" {
  description = "GitHub repository allowed to assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name (no wildcards)."
  }
}

variable "environments" {
  description = "GitHub environments that get a role (environment name => permissions). policy_json is an inline policy; managed_policy_arns are attached."
  type = map(object({
    policy_json                  = optional(string)
    managed_policy_arns          = optional(list(string), [])
    max_session_duration_seconds = optional(number, 3600)
  }))

  validation {
    condition     = alltrue([for env in keys(var.environments) : can(regex("^[A-Za-z0-9_.-]+$", env))])
    error_message = "Environment names may not contain wildcards or slashes."
  }
}

variable "role_name_prefix" {
  description = "Role names are <prefix>-<environment>."
  type        = string
  default     = "shoptrail-github"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (there can be only one per account)."
  type        = bool
  default     = true
}

variable "existing_oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider, when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
