# The inputs of terraform/stacks/shoptrail, set in terraform.tfvars (image_tag by
# the deploy workflow: -var image_tag=$TAG).

variable "environment" {
  description = "Environment name: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
}

variable "aws_account_id" {
  description = "AWS account of the environment (12 digits); the provider refuses any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "availability_zones" {
  description = "Exactly two availability zones of aws_region."
  type        = list(string)

  validation {
    condition     = length(distinct(var.availability_zones)) == 2 && length(var.availability_zones) == 2
    error_message = "Give exactly two distinct availability zones."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the environment's VPC."
  type        = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway for both AZs (dev) instead of one per AZ."
  type        = bool
}

variable "image_tag" {
  description = "Release tag of the api and worker images (the git tag, e.g. v1.4.0). Passed by the deploy workflow: -var image_tag=$TAG."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, immutable image tag (not latest)."
  }
}

variable "ecr_account_id" {
  description = "Account holding the ECR repositories (the tooling account of environments/global); the environment's account when they are the same (single-account trial)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.ecr_account_id))
    error_message = "ecr_account_id must be 12 digits."
  }
}

variable "api_repository_name" {
  description = "ECR repository of the api image (created by environments/global)."
  type        = string
  default     = "shoptrail-api"
}

variable "worker_repository_name" {
  description = "ECR repository of the worker image (created by environments/global)."
  type        = string
  default     = "shoptrail-worker"
}

variable "api_domain_name" {
  description = "Public domain name of the API (covered by api_certificate_arn)."
  type        = string
}

variable "api_certificate_arn" {
  description = "ACM certificate ARN (in aws_region) for the API domain."
  type        = string
}

variable "console_domain_name" {
  description = "Public domain name of the console (covered by console_certificate_arn)."
  type        = string
}

variable "console_certificate_arn" {
  description = "ACM certificate ARN in us-east-1 for the console domain (CloudFront)."
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone for the API and console records; null when DNS is managed elsewhere."
  type        = string
  default     = null
}

variable "api_cpu" {
  description = "CPU units per api task."
  type        = number
}

variable "api_memory" {
  description = "Memory (MiB) per api task."
  type        = number
}

variable "api_desired_count" {
  description = "Minimum (and initial) number of api tasks; at least 2, one per AZ."
  type        = number

  validation {
    condition     = var.api_desired_count >= 2
    error_message = "The api runs at least 2 tasks (one per availability zone)."
  }
}

variable "api_max_count" {
  description = "Upper bound for api auto scaling."
  type        = number
}

variable "api_requests_per_target" {
  description = "Target ALB requests per api task per minute for auto scaling."
  type        = number
}

variable "worker_cpu" {
  description = "CPU units of the worker task."
  type        = number
}

variable "worker_memory" {
  description = "Memory (MiB) of the worker task."
  type        = number
}

variable "worker_desired_count" {
  description = "Number of worker tasks (jobs are idempotent, so more than one is safe)."
  type        = number

  validation {
    condition     = var.worker_desired_count >= 0
    error_message = "worker_desired_count cannot be negative."
  }
}

variable "import_bucket_arns" {
  description = "S3 buckets the worker may import from (read-only: ListBucket, GetObject), e.g. [\"arn:aws:s3:::partner-dumps\"]. Objects encrypted with a customer KMS key also need a grant on that key."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.import_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", arn))])
    error_message = "import_bucket_arns must be S3 bucket ARNs (arn:aws:s3:::name), without an object path."
  }
}

variable "docdb_instance_class" {
  description = "DocumentDB instance class."
  type        = string
}

variable "docdb_instance_count" {
  description = "DocumentDB instances (at least 2, spread over the two AZs)."
  type        = number
}

variable "docdb_backup_retention_days" {
  description = "Days of DocumentDB automated backups (7 to 35; the point-in-time restore window)."
  type        = number
}

variable "docdb_backup_window" {
  description = "Daily UTC window of the DocumentDB automated snapshot (hh24:mi-hh24:mi)."
  type        = string
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB and the database."
  type        = bool
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy empty-and-delete the log, exports and console buckets (dev only)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of CloudWatch log groups (containers, flow logs, WAF)."
  type        = number
}

variable "access_log_retention_days" {
  description = "Retention of ALB, S3 and CloudFront access logs in the log bucket."
  type        = number
}

variable "exports_expiration_days" {
  description = "Days after which daily exports expire; null keeps them. Must be later than exports_transition_to_ia_days (S3 refuses the lifecycle rule otherwise)."
  type        = number
  default     = null

  validation {
    condition = (
      var.exports_expiration_days == null ? true :
      var.exports_transition_to_ia_days == null ? var.exports_expiration_days >= 1 :
      var.exports_expiration_days > var.exports_transition_to_ia_days
    )
    error_message = "exports_expiration_days must be later than exports_transition_to_ia_days; for short-lived exports set exports_transition_to_ia_days = null."
  }
}

variable "exports_transition_to_ia_days" {
  description = "Days after which daily exports move to STANDARD_IA (at least 30); null keeps them in STANDARD (short-lived exports)."
  type        = number
  default     = 30
}

variable "origin_verify_secret" {
  description = "Secret header value CloudFront adds to API origin requests; the ALB forwards nothing else. Not in tfvars: the workflows pass it from the GitHub environment secret ORIGIN_VERIFY_SECRET (TF_VAR_origin_verify_secret)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.origin_verify_secret) >= 32
    error_message = "origin_verify_secret must be at least 32 characters (e.g. openssl rand -hex 32)."
  }
}

variable "waf_rate_limit_per_5_minutes" {
  description = "Requests per viewer IP per 5 minutes before the CloudFront web ACL blocks."
  type        = number
}

variable "alarm_email_addresses" {
  description = "E-mail addresses notified by the CloudWatch alarms."
  type        = list(string)
  default     = []
}

variable "alarm_https_endpoints" {
  description = "Paging endpoints subscribed to the alarm topic: a PagerDuty or Opsgenie CloudWatch integration URL (https://)."
  type        = list(string)
  default     = []
}

variable "alarm_slack" {
  description = "Slack channel for the alarms through AWS Chatbot ({ team_id, channel_id }); null for none."
  type = object({
    team_id    = string
    channel_id = string
  })
  default = null
}

variable "bootstrap" {
  description = "First apply of an environment: everything is created but the api and worker run 0 tasks, because the MongoDB URI secret is still empty until the db-init task has run (docs/deploy.md). The deploy workflow sets it while that secret has no value."
  type        = bool
  default     = false
}

variable "alarm_p99_latency_seconds" {
  description = "ALB p99 latency alarm threshold, in seconds."
  type        = number
  default     = 1
}

variable "offline_plan" {
  description = "Skip every AWS call the provider makes on its own (credential and account checks) so that `terraform plan -refresh=false` runs with fake credentials; never set it for apply."
  type        = bool
  default     = false
}
