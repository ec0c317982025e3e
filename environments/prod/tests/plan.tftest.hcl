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

run "prod_is_redundant_protected_and_watched" {
  command = plan

  assert {
    condition     = output.facts.api_min_tasks >= 3
    error_message = "prod runs at least 3 api tasks."
  }

  assert {
    condition     = output.facts.nat_gateway_count == 2
    error_message = "prod has a NAT gateway per AZ (2)."
  }

  assert {
    condition     = length(output.facts.alarm_email_addresses) > 0 && output.facts.alarm_recipients.email == tolist(output.facts.alarm_email_addresses)
    error_message = "prod alarms reach a person: at least one e-mail recipient subscribed to the topic."
  }

  assert {
    condition     = output.facts.alb_deletion_protection && output.facts.database_deletion_protection
    error_message = "prod's ALB and database are protected from deletion."
  }

  assert {
    condition     = output.facts.database_instances >= 3
    error_message = "prod runs 3 database instances."
  }
}

run "prod_keeps_35_days_of_database_backups" {
  command = plan

  assert {
    condition     = output.facts.database_backup_days == 35
    error_message = "prod keeps 35 days of DocumentDB automated backups (the longest point-in-time restore window DocumentDB offers)."
  }

  assert {
    condition     = output.facts.database_backup_window == "01:30-02:30"
    error_message = "prod's snapshot is taken 01:30-02:30 UTC, before the 03:30 retention purge and outside Sunday's maintenance window."
  }
}
