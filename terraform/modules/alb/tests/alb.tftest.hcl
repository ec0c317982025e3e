mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name               = "shoptrail-test-api"
  vpc_id             = "vpc-0123456789abcdef0"
  vpc_cidr_block     = "10.20.0.0/16"
  public_subnet_ids  = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
  certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef"
  access_logs_bucket = "shoptrail-test-logs-123456789012"
  waf = {
    log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  }
}

run "https_only_with_tls12" {
  command = plan

  assert {
    condition     = aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.port == 443
    error_message = "There must be an HTTPS listener on 443."
  }

  assert {
    condition     = aws_lb_listener.https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "The HTTPS listener allows TLS 1.2 and 1.3 only."
  }

  assert {
    condition     = aws_lb_listener.https.certificate_arn == var.certificate_arn
    error_message = "The listener uses the given ACM certificate."
  }

  assert {
    condition     = output.listener_ports == [443] && output.default_response == "forward"
    error_message = "Only HTTPS is served; plain HTTP is refused (a 301/302 redirect would turn POSTs into GETs)."
  }
}

run "hardened_load_balancer_with_access_logs" {
  command = plan

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields && aws_lb.this.internal == false
    error_message = "Invalid headers are dropped."
  }

  assert {
    condition     = one(aws_lb.this.access_logs).enabled && one(aws_lb.this.access_logs).bucket == "shoptrail-test-logs-123456789012"
    error_message = "Access logs go to the log bucket."
  }

  assert {
    condition     = aws_lb.this.enable_deletion_protection
    error_message = "Deletion protection is on by default."
  }

  assert {
    condition     = one(aws_lb_target_group.this.health_check).path == "/readyz" && aws_lb_target_group.this.target_type == "ip"
    error_message = "Targets are Fargate IPs checked on /readyz."
  }
}

run "only_443_is_open_to_the_internet" {
  command = plan

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.https) == 1 && aws_vpc_security_group_ingress_rule.https[0].from_port == 443 && aws_vpc_security_group_ingress_rule.https[0].to_port == 443
    error_message = "Public ingress is limited to 443."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.targets.cidr_ipv4 == "10.20.0.0/16" && aws_vpc_security_group_egress_rule.targets.from_port == 8080
    error_message = "The ALB only talks to the container port inside the VPC."
  }
}

run "waf_is_attached_with_logging" {
  command = plan

  assert {
    condition     = length(aws_wafv2_web_acl.this) == 1 && length(aws_wafv2_web_acl_association.this) == 1
    error_message = "A web ACL protects the ALB."
  }

  assert {
    condition     = startswith(aws_cloudwatch_log_group.waf[0].name, "aws-waf-logs-")
    error_message = "WAF log groups need the aws-waf-logs- prefix."
  }
}

run "rejects_a_non_acm_certificate" {
  command = plan

  variables {
    certificate_arn = "arn:aws:iam::123456789012:server-certificate/legacy"
  }

  expect_failures = [var.certificate_arn]
}

run "rejects_a_single_subnet" {
  command = plan

  variables {
    public_subnet_ids = ["subnet-0aaaaaaaaaaaaaaa1"]
  }

  expect_failures = [var.public_subnet_ids]
}

run "metrics_is_answered_404_before_any_forward" {
  command = plan

  assert {
    condition     = output.blocked_paths_response.status_code == "404" && output.blocked_paths_response.priority == 1
    error_message = "The first listener rule answers 404."
  }

  assert {
    condition     = toset(output.blocked_paths_response.paths) == toset(["/metrics", "/metrics/*"])
    error_message = "/metrics (and anything under it) is never forwarded to the tasks."
  }
}

run "behind_cloudfront_only_cloudfront_with_its_secret_is_forwarded" {
  command = plan

  variables {
    ingress_prefix_list_id     = "pl-4fa04526"
    origin_verify_header_name  = "X-Origin-Verify"
    origin_verify_header_value = "0123456789abcdef0123456789abcdef"
  }

  assert {
    condition     = output.https_ingress == "pl-4fa04526" && length(aws_vpc_security_group_ingress_rule.https) == 0
    error_message = "Only CloudFront's origin-facing prefix list reaches 443; nothing is open to 0.0.0.0/0."
  }

  assert {
    condition     = output.default_response == "403"
    error_message = "A request without the origin-verify header is refused."
  }

  assert {
    condition     = one(one(aws_lb_listener_rule.origin_verified[0].condition).http_header).http_header_name == "X-Origin-Verify" && one(aws_lb_listener_rule.origin_verified[0].action).type == "forward"
    error_message = "Only requests carrying the secret header are forwarded."
  }

  assert {
    condition     = aws_lb_listener_rule.origin_verified[0].priority > output.blocked_paths_response.priority
    error_message = "/metrics stays blocked even for CloudFront's requests."
  }
}

run "the_per_ip_rule_is_optional" {
  command = plan

  variables {
    waf = {
      log_kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
      rate_limit_per_5_minutes = null
    }
  }

  assert {
    condition     = !output.rate_limited_per_ip && length(aws_wafv2_web_acl.this) == 1
    error_message = "Behind CloudFront the regional web ACL keeps its managed rules but no per-IP rule (peers are edge nodes)."
  }
}
