output "arn" {
  description = "ARN of the web ACL (the distribution's web_acl_id)."
  value       = aws_wafv2_web_acl.this.arn
}

output "scope" {
  description = "Scope of the web ACL (CLOUDFRONT)."
  value       = aws_wafv2_web_acl.this.scope
}

output "rate_limit" {
  description = "The per-viewer rate rule: the key it counts by and its limit per 5 minutes."
  value = one([
    for r in aws_wafv2_web_acl.this.rule : {
      key   = one(one(r.statement).rate_based_statement).aggregate_key_type
      limit = one(one(r.statement).rate_based_statement).limit
    } if length(one(r.statement).rate_based_statement) > 0
  ])
}
