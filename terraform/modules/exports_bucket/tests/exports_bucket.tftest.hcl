mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  bucket_name            = "shoptrail-test-exports-123456789012"
  kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  access_log_bucket_name = "shoptrail-test-logs-123456789012"
}

run "sse_kms_versioned_private_tls_only" {
  command = plan

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "SSE-KMS with the given key."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled
    error_message = "An S3 bucket key keeps KMS costs down."
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == "Enabled"
    error_message = "Versioning is on."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All public access is blocked."
  }

  assert {
    condition     = jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Sid == "DenyInsecureTransport" && jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "Plain-HTTP requests are denied."
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).transition).storage_class == "STANDARD_IA"
    error_message = "Exports move to infrequent access."
  }

  assert {
    condition     = aws_s3_bucket_logging.this[0].target_prefix == "s3/shoptrail-test-exports-123456789012/"
    error_message = "Server access logs go to the log bucket."
  }
}

run "falls_back_to_sse_s3" {
  command = plan

  variables {
    kms_key_arn = null
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Without a key the bucket still encrypts (SSE-S3)."
  }
}
