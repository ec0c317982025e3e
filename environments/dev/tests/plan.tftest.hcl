# Plan-mode checks of this environment's values (terraform.tfvars) with a
# mocked AWS provider. The stack's own behaviour is tested in
# terraform/stacks/shoptrail/tests; these runs assert what this environment
# promises on top.

mock_provider "aws" {
  source          = "../../terraform/tests/mocks"
  override_during = plan
}

mock_provider "aws" {
  alias           = "us_east_1"
  source          = "../../terraform/tests/mocks"
  override_during = plan
}

variables {
  image_tag            = "v0.0.0-test"
  origin_verify_secret = "test-origin-verify-secret-0123456789abcdef"
}

run "dev_is_small_and_disposable" {
  command = plan

  assert {
    condition     = output.facts.nat_gateway_count == 1
    error_message = "dev shares one NAT gateway between the two AZs."
  }

  assert {
    condition     = output.facts.api_min_tasks == 2 && output.facts.database_instances == 2
    error_message = "dev runs the minimum that still spans two AZs: 2 api tasks, 2 database instances."
  }
}

run "dev_exports_lifecycle_is_valid" {
  command = plan

  assert {
    condition     = var.exports_transition_to_ia_days == null && var.exports_expiration_days == 14
    error_message = "dev's 14-day exports skip STANDARD_IA (S3 refuses an expiration that is not after the transition)."
  }
}

run "alarms_reach_a_person" {
  command = plan

  assert {
    condition     = length(output.facts.alarm_recipients.email) + length(output.facts.alarm_recipients.https) > 0
    error_message = "This environment's alarms notify at least one recipient."
  }
}

run "dev_keeps_7_days_of_database_backups" {
  command = plan

  assert {
    condition     = output.facts.database_backup_days == 7 && output.facts.database_backup_window == "02:00-03:00"
    error_message = "dev keeps 7 days of DocumentDB automated backups, taken 02:00-03:00 UTC."
  }
}
