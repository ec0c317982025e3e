mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  github_repository = "shoptrail/shoptrail"
  environments = {
    dev  = { managed_policy_arns = ["arn:aws:iam::aws:policy/PowerUserAccess"] }
    prod = { policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::x\"}]}" }
  }
}

run "one_role_per_environment_trusting_only_that_environment" {
  command = plan

  assert {
    condition     = toset(keys(aws_iam_role.deploy)) == toset(["dev", "prod"])
    error_message = "One role per GitHub environment."
  }

  assert {
    condition     = jsondecode(aws_iam_role.deploy["prod"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:shoptrail/shoptrail:environment:prod"
    error_message = "The prod role trusts only jobs of this repository in the prod environment."
  }

  assert {
    condition     = jsondecode(aws_iam_role.deploy["dev"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    error_message = "The audience is STS."
  }

  assert {
    condition     = !strcontains(aws_iam_role.deploy["dev"].assume_role_policy, "*")
    error_message = "No wildcard in the trust policy."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.deploy) == 1 && length(aws_iam_role_policy.deploy) == 1
    error_message = "Managed and inline policies are attached per environment."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com"
    error_message = "The GitHub OIDC provider is created."
  }
}

run "rejects_wildcard_repositories" {
  command = plan

  variables {
    github_repository = "shoptrail/*"
  }

  expect_failures = [var.github_repository]
}
