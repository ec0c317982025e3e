variable "environment" {
  description = "Environment this account runs: dev, staging or prod (also the GitHub environment name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.environment))
    error_message = "environment must be a short lower-case name."
  }
}

variable "account_id" {
  description = "The environment's AWS account (12 digits)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name (no wildcards)."
  }
}

variable "deploy_workflow_refs" {
  description = "Workflow files and refs (job_workflow_ref, without the owner/name/ prefix) that may deploy: the reusable apply workflow at a release tag."
  type        = list(string)
  default     = [".github/workflows/terraform-apply.yml@refs/tags/v*", ".github/workflows/rollback.yml@refs/heads/main"]
}

variable "plan_workflow_refs" {
  description = "Workflow files and refs that may assume the read-only plan role: release plans (before approval) and pull-request plans."
  type        = list(string)
  default     = [".github/workflows/terraform-plan.yml@refs/tags/v*", ".github/workflows/terraform-pr-plan.yml@refs/pull/*"]
}

variable "stack_services" {
  description = "IAM service prefixes the deploy role may use in full: exactly the services terraform/stacks/shoptrail is made of."
  type        = list(string)
  default = [
    "ec2", "ecs", "elasticloadbalancing", "rds", "s3", "kms", "logs", "cloudwatch", "sns", "events", "secretsmanager",
    "wafv2", "cloudfront", "route53", "acm", "application-autoscaling", "aps", "grafana", "chatbot", "ecr", "sso",
  ]

  validation {
    condition     = !contains(var.stack_services, "iam") && !contains(var.stack_services, "organizations") && !contains(var.stack_services, "sts")
    error_message = "IAM, Organizations and STS are never granted in full; IAM is granted per action, bounded."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (one per account: false for the 2nd and 3rd environment of a single-account trial)."
  type        = bool
  default     = true
}

variable "single_account_trial" {
  description = "TRIAL ONLY: this environment shares its account with the others, so nothing isolates them (labelled on the role)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
