mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name       = "shoptrail-test"
  account_id = "123456789012"
}

run "key_rotates_and_admits_logs_and_alarms" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "The key must rotate."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/shoptrail-test"
    error_message = "The alias must be alias/<name>."
  }

  assert {
    condition     = contains([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal], { Service = "logs.eu-west-1.amazonaws.com" })
    error_message = "CloudWatch Logs of the key's region must be allowed to use the key."
  }

  assert {
    condition     = contains(flatten([for s in jsondecode(aws_kms_key.this.policy).Statement : try(s.Principal.Service, [])]), "cloudwatch.amazonaws.com") && contains(flatten([for s in jsondecode(aws_kms_key.this.policy).Statement : try(s.Principal.Service, [])]), "events.amazonaws.com")
    error_message = "CloudWatch alarms must be allowed to publish to topics encrypted with the key."
  }
}

run "rejects_a_malformed_account_id" {
  command = plan

  variables {
    account_id = "12345"
  }

  expect_failures = [var.account_id]
}
