variable "name" {
  description = "Name of the load balancer (at most 29 characters: the target group appends -tg), e.g. shoptrail-dev-api."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,29}$", var.name))
    error_message = "name must be 1-29 characters of letters, digits and hyphens."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and its targets."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC: the ALB may only talk to targets inside it."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets, one per AZ (at least two)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An ALB needs public subnets in at least two availability zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate ARN for the HTTPS listener (same region as the ALB)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener. The default allows TLS 1.3 and 1.2 only."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = can(regex("TLS13-1-2|TLS-1-2|FS-1-2", var.ssl_policy))
    error_message = "ssl_policy must be a TLS 1.2+ policy (TLS13-1-2, TLS-1-2 or FS-1-2 family)."
  }
}

variable "target_port" {
  description = "Container port the target group forwards to."
  type        = number
  default     = 8080
}

variable "health_check_path" {
  description = "Readiness path the target group probes."
  type        = string
  default     = "/readyz"
}

variable "deregistration_delay_seconds" {
  description = "Seconds to drain in-flight requests from a deregistering task."
  type        = number
  default     = 30
}

variable "idle_timeout_seconds" {
  description = "Connection idle timeout of the load balancer."
  type        = number
  default     = 60
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "S3 bucket receiving ALB access logs (SSE-S3, with an ELB log-delivery bucket policy)."
  type        = string
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs in the bucket."
  type        = string
  default     = "alb"
}

variable "ingress_prefix_list_id" {
  description = "Managed prefix list allowed to reach HTTPS (CloudFront's com.amazonaws.global.cloudfront.origin-facing); null opens 443 to the internet."
  type        = string
  default     = null
}

variable "origin_verify_header_name" {
  description = "Name of the secret header CloudFront adds to origin requests; when set, only requests carrying origin_verify_header_value are forwarded and all others get 403. Null forwards everything."
  type        = string
  default     = null
}

variable "origin_verify_header_value" {
  description = "Secret value of origin_verify_header_name (shared with the CloudFront origin only)."
  type        = string
  default     = null
  sensitive   = true
}

variable "blocked_paths" {
  description = "Path patterns the HTTPS listener answers 404 to before forwarding (internal endpoints such as /metrics)."
  type        = list(string)
  default     = ["/metrics", "/metrics/*"]
}

variable "waf" {
  description = "WAF web ACL settings; null disables the web ACL. rate_limit_per_5_minutes null leaves out the per-IP rule (behind CloudFront the peer is an edge node)."
  type = object({
    rate_limit_per_5_minutes = optional(number)
    log_retention_days       = optional(number, 365)
    log_kms_key_arn          = string
  })
  default = null
}

variable "dns" {
  description = "Optional Route 53 alias record (A) for the API domain: { zone_id, name }."
  type = object({
    zone_id = string
    name    = string
  })
  default = null
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
