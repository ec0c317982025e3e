mock_provider "aws" {
  source          = "../../terraform/tests/mocks"
  override_during = plan
}

mock_provider "aws" {
  alias           = "dev"
  source          = "../../terraform/tests/mocks"
  override_during = plan
}

mock_provider "aws" {
  alias           = "staging"
  source          = "../../terraform/tests/mocks"
  override_during = plan
}

mock_provider "aws" {
  alias           = "prod"
  source          = "../../terraform/tests/mocks"
  override_during = plan
}

run "state_bucket_is_private_and_encrypted" {
  command = plan

  assert {
    condition     = module.state_bucket.bucket_name == "shoptrail-tfstate-${var.aws_account_id}"
    error_message = "The global state bucket has the name of global's backend.hcl."
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

run "one_account_per_environment" {
  command = plan

  assert {
    condition     = output.mode == "account-per-environment" && length(distinct(values(var.environment_accounts))) == 3 && !contains(values(var.environment_accounts), var.aws_account_id)
    error_message = "dev, staging and prod each have their own account, apart from the tooling account."
  }

  assert {
    condition     = output.state_buckets.prod == "shoptrail-prod-tfstate-${var.environment_accounts["prod"]}"
    error_message = "Each environment's state is in its own account."
  }

  assert {
    condition     = toset(keys(module.github_oidc.role_arns)) == toset(["release"])
    error_message = "The tooling account has only the release role; deploy roles live in the environments' accounts."
  }

  assert {
    condition     = local.creates_oidc_provider == { dev = true, staging = true, prod = true }
    error_message = "Each environment account gets its own OIDC provider."
  }
}

run "a_single_account_trial_is_labelled_and_has_one_oidc_provider" {
  command = plan

  variables {
    environment_accounts = { dev = "999999999999", staging = "999999999999", prod = "999999999999" }
    single_account_trial = true
  }

  assert {
    condition     = output.mode == "single-account-trial" && local.creates_oidc_provider == { dev = false, staging = false, prod = false }
    error_message = "In a trial every environment shares the tooling account's OIDC provider, and the mode says so."
  }
}
