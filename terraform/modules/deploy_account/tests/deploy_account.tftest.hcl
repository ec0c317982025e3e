mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  environment       = "prod"
  account_id        = "333333333333"
  github_repository = "shoptrail/shoptrail"
}

run "deploy_role_is_scoped_and_bounded" {
  command = plan

  assert {
    condition     = !strcontains(output.deploy_policy, "PowerUserAccess") && !contains(jsondecode(output.deploy_policy).Statement[0].Action, "iam:*")
    error_message = "No PowerUserAccess and no iam:* : only the stack's services."
  }

  assert {
    condition = one([
      for s in jsondecode(output.deploy_policy).Statement : s.Condition.StringEquals["iam:PermissionsBoundary"] if s.Sid == "CreateBoundedRoles"
    ]) == "arn:aws:iam::333333333333:policy/shoptrail-prod-workload-boundary"
    error_message = "Roles can only be created with the environment's permissions boundary."
  }

  assert {
    condition     = one([for s in jsondecode(output.deploy_policy).Statement : s.Resource if s.Sid == "CreateBoundedRoles"]) == ["arn:aws:iam::333333333333:role/shoptrail-prod-*"]
    error_message = "Only this environment's roles."
  }

  assert {
    condition     = one([for s in jsondecode(output.deploy_policy).Statement : s.Effect if s.Sid == "KeepTheBoundary"]) == "Deny"
    error_message = "A deploy cannot remove or rewrite the boundary."
  }

  assert {
    condition     = contains(jsondecode(aws_iam_policy.boundary.policy).Statement[1].Action, "iam:*") && jsondecode(aws_iam_policy.boundary.policy).Statement[1].Effect == "Deny"
    error_message = "Roles under the boundary can never touch IAM."
  }
}

run "trust_requires_the_environment_and_the_workflow_ref" {
  command = plan

  assert {
    condition     = jsondecode(output.deploy_trust_policy).Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"][0] == "repo:shoptrail/shoptrail:environment:prod:job_workflow_ref:shoptrail/shoptrail/.github/workflows/terraform-apply.yml@refs/tags/v*"
    error_message = "Only the apply workflow at a release tag, in the prod environment, may deploy."
  }

  assert {
    condition = jsondecode(output.plan_trust_policy).Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"] == [
      "repo:shoptrail/shoptrail:environment:prod-plan:job_workflow_ref:shoptrail/shoptrail/.github/workflows/terraform-plan.yml@refs/tags/v*",
      "repo:shoptrail/shoptrail:environment:prod-plan:job_workflow_ref:shoptrail/shoptrail/.github/workflows/terraform-pr-plan.yml@refs/pull/*",
    ]
    error_message = "Only the release-plan and PR-plan workflows assume the read-only role, in the <env>-plan environment."
  }

  assert {
    condition     = output.mode == "account-per-environment" && output.state_bucket == "shoptrail-prod-tfstate-333333333333"
    error_message = "The account holds the environment's own state bucket."
  }
}

run "a_trial_account_is_labelled" {
  command = plan

  variables {
    single_account_trial = true
  }

  assert {
    condition     = output.mode == "single-account-trial" && strcontains(aws_iam_role.deploy.description, "SINGLE-ACCOUNT TRIAL")
    error_message = "A shared account is labelled as a trial."
  }
}

run "iam_is_never_granted_in_full" {
  command = plan

  variables {
    stack_services = ["ecs", "iam"]
  }

  expect_failures = [var.stack_services]
}
