variable "name" {
  description = "Name of both workspaces, e.g. shoptrail-dev."
  type        = string
}

variable "account_id" {
  description = "AWS account of the workspaces (only Grafana in this account may assume its role)."
  type        = string
}

variable "authentication_providers" {
  description = "How people sign in to Grafana: AWS_SSO (IAM Identity Center) or SAML."
  type        = list(string)
  default     = ["AWS_SSO"]
}

variable "grafana_version" {
  description = "Grafana version of the workspace."
  type        = string
  default     = "10.4"
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
