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

run "https_with_tls12_and_redirect_from_http" {
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
    condition     = one(aws_lb_listener.http.default_action).type == "redirect" && one(one(aws_lb_listener.http.default_action).redirect).protocol == "HTTPS" && one(one(aws_lb_listener.http.default_action).redirect).status_code == "HTTP_301"
    error_message = "Port 80 only redirects to HTTPS."
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

run "only_80_and_443_are_open_to_the_internet" {
  command = plan

  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.public : r.from_port]) == toset([80, 443])
    error_message = "Public ingress is limited to 80 and 443."
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
