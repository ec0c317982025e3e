variable "aws_region" {
  description = "Region of the state bucket and the ECR repositories."
  type        = string
}

variable "aws_account_id" {
  description = "AWS account (12 digits); the provider refuses any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the deploy roles."
  type        = string
}

variable "deploy_environments" {
  description = "GitHub environments that run terraform apply (one role each, own state prefix)."
  type        = list(string)
  default     = ["dev", "staging", "prod"]
}

variable "release_environment" {
  description = "GitHub environment of the image build job (may only push to ECR)."
  type        = string
  default     = "release"
}

variable "deploy_managed_policy_arns" {
  description = "Managed policies of the deploy roles besides their inline policy (IAM is granted inline, scoped to shoptrail-<env>-* roles)."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/PowerUserAccess"]
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
