variable "aws_region" {
  description = "Region of the state buckets and the ECR repositories."
  type        = string
}

variable "aws_account_id" {
  description = "Tooling account (12 digits): this root's state, ECR and the release role; the provider refuses any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "environment_accounts" {
  description = "AWS account of each environment (dev, staging, prod): one account each in the organisation layout of docs/deploy.md."
  type        = map(string)

  validation {
    condition     = toset(keys(var.environment_accounts)) == toset(["dev", "staging", "prod"]) && alltrue([for id in values(var.environment_accounts) : can(regex("^[0-9]{12}$", id))])
    error_message = "Give a 12-digit account for exactly dev, staging and prod."
  }
}

variable "single_account_trial" {
  description = "TRIAL ONLY: every environment lives in the tooling account; nothing isolates them from each other."
  type        = bool
  default     = false
}

variable "environment_account_role_name" {
  description = "Role the global apply assumes in each environment account (created by AWS Organizations in member accounts)."
  type        = string
  default     = "OrganizationAccountAccessRole"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the roles."
  type        = string
}

variable "release_environment" {
  description = "GitHub environment of the image build job (may only push to ECR)."
  type        = string
  default     = "release"
}

variable "ecr_repository_names" {
  description = "ECR repositories to create."
  type        = list(string)
  default     = ["shoptrail-api", "shoptrail-worker"]
}

variable "state_version_retention_days" {
  description = "Days old versions of state files are kept."
  type        = number
  default     = 90
}

variable "offline_plan" {
  description = "Skip the provider's own AWS calls for an offline `terraform plan -refresh=false` with fake credentials; never for apply."
  type        = bool
  default     = false
}
