variable "name" {
  description = "Name of the task family, roles and log group, e.g. shoptrail-dev-db-init."
  type        = string
}

variable "image" {
  description = "The api image (it carries the db-init subcommand), e.g. <registry>/shoptrail-api:v1.2.3."
  type        = string
}

variable "ecr_repository_arns" {
  description = "ECR repositories the execution role may pull from."
  type        = list(string)
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64; must match the image."
  type        = string
  default     = "X86_64"
}

variable "master_secret_arn" {
  description = "ARN of the cluster's managed master secret ({\"username\", \"password\"})."
  type        = string
}

variable "master_secret_kms_key_arn" {
  description = "Customer KMS key of the master secret; null when it uses the AWS managed key."
  type        = string
  default     = null
}

variable "uri_secret_arn" {
  description = "ARN of the secret receiving the application's MongoDB URI."
  type        = string
}

variable "uri_secret_kms_key_arn" {
  description = "KMS key encrypting the URI secret; null for the AWS managed key."
  type        = string
  default     = null
}

variable "database_host" {
  description = "Writer endpoint of the cluster."
  type        = string
}

variable "database_port" {
  description = "Port of the cluster."
  type        = number
  default     = 27017
}

variable "database_cidr_ipv4" {
  description = "CIDR the task may reach the database port in (the VPC)."
  type        = string
}

variable "database_name" {
  description = "The only database the application user may read and write."
  type        = string
  default     = "shoptrail"
}

variable "app_user" {
  description = "Name of the application's database user."
  type        = string
  default     = "shoptrail_app"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+$", var.app_user))
    error_message = "app_user may only hold letters, digits, _ and - (it goes into a URI unescaped)."
  }
}

variable "vpc_id" {
  description = "VPC of the task's security group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the task's log group."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "KMS key of the log group."
  type        = string
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary attached to every role of the module (the environment's deploy role may only create bounded roles); null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
