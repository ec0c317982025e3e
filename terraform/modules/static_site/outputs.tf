output "bucket_name" {
  description = "Bucket to sync the built console into (aws s3 sync --delete)."
  value       = aws_s3_bucket.site.bucket
}

output "bucket_arn" {
  description = "ARN of the site bucket."
  value       = aws_s3_bucket.site.arn
}

output "distribution_id" {
  description = "CloudFront distribution id (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "CloudFront distribution ARN."
  value       = aws_cloudfront_distribution.this.arn
}

output "distribution_domain_name" {
  description = "CloudFront domain name (target of the console's DNS record)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "api_routed" {
  description = "Whether /v1/* is routed to the API origin."
  value       = local.api_enabled
}

output "public_access_blocked" {
  description = "True when all four S3 public access blocks are on."
  value = alltrue([
    aws_s3_bucket_public_access_block.site.block_public_acls,
    aws_s3_bucket_public_access_block.site.block_public_policy,
    aws_s3_bucket_public_access_block.site.ignore_public_acls,
    aws_s3_bucket_public_access_block.site.restrict_public_buckets,
  ])
}

output "api_origin_request_policy_id" {
  description = "Origin request policy of the API behaviours (managed AllViewerExceptHostHeader: viewer headers and CloudFront-Viewer-Country), or null without an API origin."
  value       = local.api_enabled ? one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b.origin_request_policy_id if b.path_pattern == "/v1/*"]) : null
}

output "api_origin_custom_header_names" {
  description = "Names of the custom headers CloudFront adds to API origin requests."
  value       = local.api_enabled ? [for o in aws_cloudfront_distribution.this.origin : nonsensitive(o.custom_header[*].name) if o.origin_id == local.api_origin_id][0] : []
}

output "web_acl_arn" {
  description = "Web ACL attached to the distribution, or null."
  value       = aws_cloudfront_distribution.this.web_acl_id
}
