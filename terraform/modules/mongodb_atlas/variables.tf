variable "name" {
  description = "Name prefix of the AWS-side resources, e.g. shoptrail-prod."
  type        = string
}

variable "atlas_org_id" {
  description = "Atlas organisation id that owns the project."
  type        = string
}

variable "project_name" {
  description = "Atlas project name."
  type        = string
}

variable "cluster_name" {
  description = "Atlas cluster name."
  type        = string
}

variable "mongodb_major_version" {
  description = "MongoDB major version of the cluster."
  type        = string
  default     = "8.0"
}

variable "atlas_region" {
  description = "Atlas region name of the cluster, e.g. EU_WEST_1 (same AWS region as the VPC)."
  type        = string
}

variable "aws_region" {
  description = "AWS region of the VPC, e.g. eu-west-1."
  type        = string
}

variable "instance_size" {
  description = "Atlas instance size (dedicated tiers, M10 and up, support PrivateLink)."
  type        = string
  default     = "M10"
}

variable "electable_node_count" {
  description = "Electable members of the replica set (3, 5 or 7), spread over the region's AZs."
  type        = number
  default     = 3

  validation {
    condition     = contains([3, 5, 7], var.electable_node_count)
    error_message = "electable_node_count must be 3, 5 or 7."
  }
}

variable "termination_protection" {
  description = "Protect the cluster from deletion."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "VPC of the PrivateLink endpoint."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (two AZs) of the PrivateLink endpoint."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Give private subnets in at least two availability zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups of the ECS services that may reach the endpoint, keyed by a static label."
  type        = map(string)
}

variable "iam_role_arns" {
  description = "ECS task role ARNs that become Atlas database users (MONGODB-AWS auth), keyed by a static label."
  type        = map(string)
}

variable "database_name" {
  description = "Database the users may read and write."
  type        = string
  default     = "shoptrail"
}

variable "tags" {
  description = "Tags added to the AWS resources of the module."
  type        = map(string)
  default     = {}
}
