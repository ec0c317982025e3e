# Shared defaults for mock_provider "aws" in every *.tftest.hcl of this
# repository (mock_provider "aws" { source = "<path to this directory>" }).
# Without them computed attributes are random strings, which ARN- and
# JSON-validated arguments reject. Account 123456789012, region eu-west-1.

mock_data "aws_region" {
  defaults = {
    name        = "eu-west-1"
    id          = "eu-west-1"
    description = "Europe (Ireland)"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition          = "aws"
    dns_suffix         = "amazonaws.com"
    reverse_dns_prefix = "com.amazonaws"
    id                 = "aws"
  }
}

mock_data "aws_elb_service_account" {
  defaults = {
    id  = "156460612806"
    arn = "arn:aws:iam::156460612806:root"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
    key_id = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  }
}

mock_resource "aws_kms_alias" {
  defaults = {
    arn = "arn:aws:kms:eu-west-1:123456789012:alias/mock"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn                         = "arn:aws:s3:::mock-bucket"
    bucket_domain_name          = "mock-bucket.s3.amazonaws.com"
    bucket_regional_domain_name = "mock-bucket.s3.eu-west-1.amazonaws.com"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/mock"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/mock"
  }
}

mock_resource "aws_iam_openid_connect_provider" {
  defaults = {
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }
}

mock_resource "aws_vpc" {
  defaults = {
    id  = "vpc-0123456789abcdef0"
    arn = "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0123456789abcdef0"
  }
}

mock_resource "aws_subnet" {
  defaults = {
    id  = "subnet-0123456789abcdef0"
    arn = "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0123456789abcdef0"
  }
}

mock_resource "aws_security_group" {
  defaults = {
    id  = "sg-0123456789abcdef0"
    arn = "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123456789abcdef0"
  }
}

mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mock/0123456789abcdef"
    arn_suffix = "app/mock/0123456789abcdef"
    dns_name   = "mock-123456789.eu-west-1.elb.amazonaws.com"
    zone_id    = "Z32O12XQLNTSW2"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mock-tg/0123456789abcdef"
    arn_suffix = "targetgroup/mock-tg/0123456789abcdef"
  }
}

mock_resource "aws_lb_listener" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/mock/0123456789abcdef/0123456789abcdef"
  }
}

mock_resource "aws_wafv2_web_acl" {
  defaults = {
    arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/mock/01234567-89ab-cdef-0123-456789abcdef"
  }
}

mock_resource "aws_ecs_cluster" {
  defaults = {
    arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/mock"
  }
}

mock_resource "aws_ecs_task_definition" {
  defaults = {
    arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mock:1"
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoptrail/mock-AbCdEf"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:eu-west-1:123456789012:mock-alarms"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = {
    arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mock"
  }
}

mock_resource "aws_cloudfront_distribution" {
  defaults = {
    arn            = "arn:aws:cloudfront::123456789012:distribution/E1MOCKDISTRIB"
    id             = "E1MOCKDISTRIB"
    domain_name    = "d111111abcdef8.cloudfront.net"
    hosted_zone_id = "Z2FDTNDATAQYW2"
  }
}

mock_resource "aws_cloudfront_function" {
  defaults = {
    arn = "arn:aws:cloudfront::123456789012:function/mock"
  }
}

mock_resource "aws_ecr_repository" {
  defaults = {
    arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/mock"
    repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mock"
  }
}

mock_resource "aws_docdb_cluster" {
  defaults = {
    arn             = "arn:aws:rds:eu-west-1:123456789012:cluster:mock"
    endpoint        = "mock.cluster-abcdefghijkl.eu-west-1.docdb.amazonaws.com"
    reader_endpoint = "mock.cluster-ro-abcdefghijkl.eu-west-1.docdb.amazonaws.com"
    port            = 27017
  }
}

mock_data "aws_ec2_managed_prefix_list" {
  defaults = {
    id   = "pl-4fa04526"
    name = "com.amazonaws.global.cloudfront.origin-facing"
    entries = [
      { cidr = "130.176.0.0/18", description = "" },
      { cidr = "15.158.0.0/16", description = "" },
    ]
  }
}

mock_resource "aws_wafv2_web_acl_logging_configuration" {
  defaults = {}
}

mock_resource "aws_prometheus_workspace" {
  defaults = {
    arn                 = "arn:aws:aps:eu-west-1:123456789012:workspace/ws-01234567-89ab-cdef-0123-456789abcdef"
    prometheus_endpoint = "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-01234567-89ab-cdef-0123-456789abcdef/"
  }
}

mock_resource "aws_grafana_workspace" {
  defaults = {
    id       = "g-0123456789"
    endpoint = "g-0123456789.grafana-workspace.eu-west-1.amazonaws.com"
  }
}
