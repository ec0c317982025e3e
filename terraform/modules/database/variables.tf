variable "name" {
  description = "Cluster identifier and name prefix, e.g. shoptrail-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,50}$", var.name))
    error_message = "name must start with a letter and contain only lowercase letters, digits and hyphens."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Give private subnets in at least two availability zones."
  }
}

variable "availability_zones" {
  description = "Availability zones the instances are spread over (round-robin)."
  type        = list(string)

  validation {
    condition     = length(distinct(var.availability_zones)) >= 2
    error_message = "Give at least two distinct availability zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups of the ECS services that may connect, keyed by a static label (e.g. { api = sg-..., worker = sg-... }). Nothing else is admitted."
  type        = map(string)

  validation {
    condition     = length(var.allowed_security_group_ids) >= 1
    error_message = "Admit at least one service security group."
  }
}

variable "instance_count" {
  description = "Number of instances (one writer, the rest replicas); at least 2 so a replica in the other AZ can take over."
  type        = number
  default     = 2

  validation {
    condition     = var.instance_count >= 2
    error_message = "instance_count must be at least 2 (one per availability zone)."
  }
}

variable "instance_class" {
  description = "Instance class, e.g. db.t4g.medium (dev) or db.r6g.large (prod)."
  type        = string
  default     = "db.t4g.medium"
}

variable "engine_version" {
  description = "DocumentDB engine version (MongoDB API compatibility)."
  type        = string
  default     = "5.0.0"
}

variable "parameter_group_family" {
  description = "Parameter group family matching engine_version."
  type        = string
  default     = "docdb5.0"
}

variable "port" {
  description = "Port of the cluster."
  type        = number
  default     = 27017
}

variable "master_username" {
  description = "Master user name; its password is generated and kept in Secrets Manager by RDS."
  type        = string
  default     = "shoptrail_admin"
}

variable "kms_key_arn" {
  description = "KMS key ARN for encryption at rest."
  type        = string
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time restore window)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "preferred_backup_window" {
  description = "Daily UTC window (hh24:mi-hh24:mi, at least 30 minutes, outside the maintenance window) in which the automated snapshot is taken."
  type        = string
  default     = "02:00-03:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.preferred_backup_window))
    error_message = "preferred_backup_window must look like 02:00-03:00 (UTC)."
  }
}

variable "preferred_maintenance_window" {
  description = "Weekly UTC maintenance window."
  type        = string
  default     = "sun:03:30-sun:04:30"
}

variable "profiler_threshold_ms" {
  description = "Operations slower than this are written to the profiler log."
  type        = number
  default     = 200
}

variable "deletion_protection" {
  description = "Protect the cluster from deletion."
  type        = bool
  default     = true
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the maintenance window."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
