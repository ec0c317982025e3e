mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  bucket_name = "shoptrail-test-logs-123456789012"
  account_id  = "123456789012"
}

run "private_encrypted_tls_only" {
  command = plan

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All public access must be blocked."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Log delivery requires SSE-S3."
  }

  assert {
    condition     = jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false" && jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Effect == "Deny"
    error_message = "Requests without TLS are denied."
  }

  assert {
    condition     = jsondecode(aws_s3_bucket_policy.this.policy).Statement[1].Resource == "arn:aws:s3:::shoptrail-test-logs-123456789012/alb/*"
    error_message = "ALB log delivery is confined to the alb/ prefix."
  }
}

run "logs_expire" {
  command = plan

  variables {
    retention_days = 30
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).expiration).days == 30
    error_message = "Log objects expire after retention_days."
  }
}
