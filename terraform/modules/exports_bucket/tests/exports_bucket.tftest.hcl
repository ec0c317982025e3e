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

run "expiration_after_the_transition_is_accepted" {
  command = plan

  variables {
    transition_to_ia_days = 30
    expiration_days       = 90
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).expiration).days == 90 && one(one(aws_s3_bucket_lifecycle_configuration.this.rule).transition).days == 30
    error_message = "Exports move to STANDARD_IA at 30 days and expire at 90."
  }
}

run "expiration_on_the_transition_day_is_refused" {
  command = plan

  variables {
    transition_to_ia_days = 30
    expiration_days       = 30
  }

  expect_failures = [var.expiration_days]
}

run "short_lived_exports_skip_the_transition" {
  command = plan

  variables {
    transition_to_ia_days = null
    expiration_days       = 14
  }

  assert {
    condition     = length(one(aws_s3_bucket_lifecycle_configuration.this.rule).transition) == 0 && one(one(aws_s3_bucket_lifecycle_configuration.this.rule).expiration).days == 14
    error_message = "Without a transition, exports simply expire after 14 days."
  }
}
