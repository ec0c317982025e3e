variable "name" {
  description = "Name prefix for the VPC and its resources, e.g. shoptrail-dev."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC. A /16 gives /20 subnets."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be a valid IPv4 CIDR of size /20 or larger."
  }
}

variable "availability_zones" {
  description = "Availability zones to spread over (exactly two or more distinct names, e.g. [\"eu-west-1a\", \"eu-west-1b\"]). Given, not looked up, so plans work offline."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list at least two distinct zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper, dev) instead of one per AZ (zone-failure tolerant)."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "Interface VPC endpoint services (suffix after com.amazonaws.<region>.). S3 always gets a gateway endpoint."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group, in days."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "KMS key ARN encrypting the flow log group."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
