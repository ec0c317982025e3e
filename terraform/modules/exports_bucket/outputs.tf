output "bucket_name" {
  description = "Name of the exports bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the exports bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "Key encrypting the exports, or null for SSE-S3."
  value       = var.kms_key_arn
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
