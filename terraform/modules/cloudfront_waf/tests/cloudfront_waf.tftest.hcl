mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name                     = "shoptrail-test-edge"
  rate_limit_per_5_minutes = 5000
  log_kms_key_arn          = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
}

run "rate_limit_counts_viewer_ips_at_the_edge" {
  command = plan

  assert {
    condition     = output.scope == "CLOUDFRONT"
    error_message = "The ACL is attached to the distribution, where the peer is the viewer."
  }

  assert {
    condition     = output.rate_limit.key == "IP" && output.rate_limit.limit == 5000
    error_message = "The rate rule counts per viewer IP."
  }

  assert {
    condition     = startswith(aws_cloudwatch_log_group.this.name, "aws-waf-logs-")
    error_message = "WAF logs go to an aws-waf-logs- log group."
  }
}
