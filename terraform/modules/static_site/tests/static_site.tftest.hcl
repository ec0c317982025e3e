mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name                   = "shoptrail-test-console"
  bucket_name            = "shoptrail-test-console-123456789012"
  aliases                = ["console.test.shoptrail.example"]
  acm_certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef"
  log_bucket_name        = "shoptrail-test-logs-123456789012"
  log_bucket_domain_name = "shoptrail-test-logs-123456789012.s3.amazonaws.com"
}

run "private_bucket_behind_cloudfront_oac" {
  command = plan

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.site.block_public_acls,
      aws_s3_bucket_public_access_block.site.block_public_policy,
      aws_s3_bucket_public_access_block.site.ignore_public_acls,
      aws_s3_bucket_public_access_block.site.restrict_public_buckets,
    ])
    error_message = "The site bucket is not public."
  }

  assert {
    condition     = aws_cloudfront_origin_access_control.site.signing_behavior == "always" && aws_cloudfront_origin_access_control.site.origin_access_control_origin_type == "s3"
    error_message = "CloudFront signs every origin request (OAC)."
  }

  assert {
    condition     = one([for s in jsondecode(aws_s3_bucket_policy.site.policy).Statement : s.Principal if s.Sid == "CloudFrontOriginAccessControlRead"]) == { Service = "cloudfront.amazonaws.com" }
    error_message = "Only CloudFront may read the bucket."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.site.rule) != null
    error_message = "The bucket is encrypted."
  }
}

run "spa_fallback_and_security_headers" {
  command = plan

  assert {
    condition     = toset([for r in aws_cloudfront_distribution.this.custom_error_response : r.error_code]) == toset([403, 404])
    error_message = "403 and 404 fall back to the SPA without an API origin."
  }

  assert {
    condition     = alltrue([for r in aws_cloudfront_distribution.this.custom_error_response : r.response_page_path == "/index.html" && r.response_code == 200])
    error_message = "The fallback serves /index.html with 200."
  }

  assert {
    condition     = one(one(aws_cloudfront_response_headers_policy.security.security_headers_config).strict_transport_security).access_control_max_age_sec >= 31536000
    error_message = "HSTS for at least a year."
  }

  assert {
    condition     = one(one(aws_cloudfront_response_headers_policy.security.security_headers_config).frame_options).frame_option == "DENY"
    error_message = "The console cannot be framed."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.viewer_certificate).minimum_protocol_version == "TLSv1.2_2021"
    error_message = "TLS 1.2+ for viewers."
  }

  assert {
    condition     = length(aws_cloudfront_distribution.this.ordered_cache_behavior) == 0
    error_message = "No API behaviour without an API origin."
  }
}

run "api_behaviour_routes_v1_to_the_alb" {
  command = plan

  variables {
    api_origin_domain_name = "api.test.shoptrail.example"
  }

  assert {
    condition     = [for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b.path_pattern] == ["/v1/*", "/sdk.js"]
    error_message = "/v1/* and the tracker /sdk.js go to the API."
  }

  assert {
    condition     = alltrue([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b.cache_policy_id == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"])
    error_message = "API responses are not cached."
  }

  assert {
    condition     = length(aws_cloudfront_distribution.this.custom_error_response) == 0
    error_message = "API 404s must not be rewritten to index.html; the edge function serves SPA routes."
  }
}

run "rejects_a_certificate_outside_us_east_1" {
  command = plan

  variables {
    acm_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef"
  }

  expect_failures = [var.acm_certificate_arn]
}
