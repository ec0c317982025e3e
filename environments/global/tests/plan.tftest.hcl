mock_provider "aws" {
  source          = "../../terraform/tests/mocks"
  override_during = plan
}

run "state_bucket_is_private_and_encrypted" {
  command = plan

  assert {
    condition     = module.state_bucket.bucket_name == "shoptrail-tfstate-${var.aws_account_id}"
    error_message = "The state bucket has the name every backend.hcl uses."
  }

  assert {
    condition     = module.state_bucket.public_access_blocked && module.logs.public_access_blocked
    error_message = "No public bucket."
  }

  assert {
    condition     = module.state_bucket.kms_key_arn == module.kms.key_arn
    error_message = "State is encrypted with the global key."
  }
}

run "ecr_repositories_for_api_and_worker" {
  command = plan

  assert {
    condition     = toset(keys(module.ecr.repository_arns)) == toset(["shoptrail-api", "shoptrail-worker"])
    error_message = "shoptrail-api and shoptrail-worker exist."
  }
}

run "a_deploy_role_per_environment_plus_release" {
  command = plan

  assert {
    condition     = toset(keys(module.github_oidc.role_arns)) == toset(["dev", "staging", "prod", "release"])
    error_message = "One role per GitHub environment."
  }
}
