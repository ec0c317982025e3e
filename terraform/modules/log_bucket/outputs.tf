output "bucket_name" {
  description = "Name of the log bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the log bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_domain_name" {
  description = "Bucket domain name, as CloudFront logging expects it."
  value       = aws_s3_bucket.this.bucket_domain_name
}

output "alb_prefix" {
  description = "Key prefix under which ALB access logs are allowed."
  value       = "alb"
}

output "s3_access_log_prefix" {
  description = "Key prefix under which S3 server access logs are allowed (append the source bucket name and a slash)."
  value       = "s3/"
}

output "cloudfront_prefix" {
  description = "Key prefix for CloudFront standard logs."
  value       = "cloudfront/"
}

output "public_access_blocked" {
  description = "True when all four S3 public access blocks are on."
  value = alltrue([
    aws_s3_bucket_public_access_block.this.block_public_acls,
    aws_s3_bucket_public_access_block.this.block_public_policy,
    aws_s3_bucket_public_access_block.this.ignore_public_acls,
    aws_s3_bucket_public_access_block.this.restrict_public_buckets,
  ])
}
