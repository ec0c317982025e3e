variable "name" {
  description = "Name prefix for the distribution's policies and function, e.g. shoptrail-dev-console."
  type        = string
}

variable "bucket_name" {
  description = "Globally unique name of the private bucket holding the built console."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "aliases" {
  description = "Domain names served by the distribution (covered by acm_certificate_arn)."
  type        = list(string)

  validation {
    condition     = length(var.aliases) >= 1
    error_message = "Give at least one domain name: TLS 1.2+ needs a custom certificate, which needs an alias."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate ARN in us-east-1 covering the aliases."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/.+$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate in us-east-1 (CloudFront requirement)."
  }
}

variable "api_origin_domain_name" {
  description = "Domain name of the API (served by the ALB with a matching certificate). When set, /v1/* is routed there uncached; null serves only the console."
  type        = string
  default     = null
}

variable "api_origin_custom_header_name" {
  description = "Name of a secret header CloudFront adds to every API origin request (the ALB forwards only requests carrying it); null adds none."
  type        = string
  default     = null
}

variable "api_origin_custom_header_value" {
  description = "Secret value of api_origin_custom_header_name."
  type        = string
  default     = null
  sensitive   = true
}

variable "content_security_policy" {
  description = "Content-Security-Policy header of the console."
  type        = string
  default     = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "web_acl_arn" {
  description = "Optional global (us-east-1, CLOUDFRONT scope) WAF web ACL ARN."
  type        = string
  default     = null
}

variable "log_bucket_name" {
  description = "Bucket receiving S3 server access logs of the site bucket."
  type        = string
}

variable "log_bucket_domain_name" {
  description = "Domain name (<bucket>.s3.amazonaws.com) of the bucket receiving CloudFront standard logs."
  type        = string
}

variable "noncurrent_version_retention_days" {
  description = "Days previous console builds are kept (for rollback) before they expire."
  type        = number
  default     = 30
}

variable "route53_zone_id" {
  description = "Optional Route 53 zone in which to create alias records for the aliases."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
