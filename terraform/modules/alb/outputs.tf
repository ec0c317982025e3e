output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route 53 zone id of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the load balancer; services allow their container port from it."
  value       = aws_security_group.alb.id
}

output "target_group_arn" {
  description = "ARN of the target group the API service registers in."
  value       = aws_lb_target_group.this.arn
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (CloudWatch TargetGroup dimension)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener."
  value       = aws_lb_listener.https.arn
}

output "web_acl_arn" {
  description = "ARN of the WAF web ACL, or null when disabled."
  value       = local.waf_enabled ? aws_wafv2_web_acl.this[0].arn : null
}

output "https_listener_ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  value       = aws_lb_listener.https.ssl_policy
}

output "blocked_paths_response" {
  description = "Path patterns answered by a fixed response before any forward, and that response's status code (null without blocked paths)."
  value = local.blocked_paths_set ? {
    paths       = one(one(aws_lb_listener_rule.blocked_paths[0].condition).path_pattern).values
    status_code = one(one(aws_lb_listener_rule.blocked_paths[0].action).fixed_response).status_code
    priority    = aws_lb_listener_rule.blocked_paths[0].priority
  } : null
}

output "https_ingress" {
  description = "Who may connect to 443: the CloudFront prefix list id, or 0.0.0.0/0."
  value       = local.cloudfront_only ? aws_vpc_security_group_ingress_rule.https_from_cloudfront[0].prefix_list_id : aws_vpc_security_group_ingress_rule.https[0].cidr_ipv4
}

output "default_response" {
  description = "What the HTTPS listener does with a request no rule matched: forward, or the fixed status code (403 without CloudFront's origin-verify header)."
  value       = one(aws_lb_listener.https.default_action).type == "forward" ? "forward" : one(one(aws_lb_listener.https.default_action).fixed_response).status_code
}

output "origin_verify_header_name" {
  description = "Name of the header a request must carry to be forwarded, or null."
  value       = var.origin_verify_header_name
}

output "listener_ports" {
  description = "Ports the load balancer listens on (HTTPS only: plain HTTP is refused, not redirected)."
  value       = [aws_lb_listener.https.port]
}

output "rate_limited_per_ip" {
  description = "Whether the regional web ACL has a per-IP rate rule."
  value       = local.waf_rate_limited
}
