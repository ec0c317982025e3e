# Organisation bootstrap, applied once before any environment and again when
# accounts change (docs/deploy.md). The tooling account (aws_account_id) holds
# this root's state, the ECR repositories and the release role; each
# environment's account gets its own OIDC provider, state bucket, permissions
# boundary and deploy/plan roles (terraform/modules/deploy_account).
#
# Single-account trial: environment_accounts all equal aws_account_id and
# single_account_trial = true. Everything still works, but nothing isolates
# the environments from each other: a trial, not a production layout.

locals {
  name              = "shoptrail-global"
  state_bucket_name = "shoptrail-tfstate-${var.aws_account_id}"

  other_accounts = distinct([for env, account in var.environment_accounts : account if account != var.aws_account_id])
  # One GitHub OIDC provider per account: the tooling account's comes from
  # github_oidc; in an account shared by several environments only the first creates it.
  creates_oidc_provider = {
    for env, account in var.environment_accounts : env => (
      account != var.aws_account_id
      && env == [for e in sort(keys(var.environment_accounts)) : e if var.environment_accounts[e] == account][0]
    )
  }

  release_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = "*"
      },
      {
        Sid    = "PushReleaseImages"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
          "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
        ]
        Resource = values(module.ecr.repository_arns)
      },
      {
        Sid      = "EncryptImageLayers"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [module.kms.key_arn]
      },
    ]
  })
}

check "trial_mode_is_declared" {
  assert {
    condition     = var.single_account_trial == (length(local.other_accounts) == 0)
    error_message = "environment_accounts all equal aws_account_id exactly when single_account_trial is true: say so explicitly."
  }
}

module "kms" {
  source = "../../terraform/modules/kms"

  name                        = local.name
  account_id                  = var.aws_account_id
  decrypt_via_ecr_account_ids = local.other_accounts
}

module "logs" {
  source = "../../terraform/modules/log_bucket"

  bucket_name    = "${local.name}-logs-${var.aws_account_id}"
  account_id     = var.aws_account_id
  retention_days = 365
}

# This root's own state (the environments keep theirs in their accounts).
module "state_bucket" {
  source = "../../terraform/modules/exports_bucket"

  bucket_name                       = local.state_bucket_name
  kms_key_arn                       = module.kms.key_arn
  access_log_bucket_name            = module.logs.bucket_name
  noncurrent_version_retention_days = var.state_version_retention_days
}

module "ecr" {
  source = "../../terraform/modules/ecr"

  repository_names = var.ecr_repository_names
  kms_key_arn      = module.kms.key_arn
  pull_account_ids = local.other_accounts
}

# The release job (image build) may only push to ECR.
module "github_oidc" {
  source = "../../terraform/modules/github_oidc"

  github_repository = var.github_repository
  environments = {
    (var.release_environment) = { policy_json = local.release_policy }
  }
}

module "account_dev" {
  source = "../../terraform/modules/deploy_account"
  providers = {
    aws = aws.dev
  }

  environment          = "dev"
  account_id           = var.environment_accounts["dev"]
  github_repository    = var.github_repository
  create_oidc_provider = local.creates_oidc_provider["dev"]
  single_account_trial = var.single_account_trial
}

module "account_staging" {
  source = "../../terraform/modules/deploy_account"
  providers = {
    aws = aws.staging
  }

  environment          = "staging"
  account_id           = var.environment_accounts["staging"]
  github_repository    = var.github_repository
  create_oidc_provider = local.creates_oidc_provider["staging"]
  single_account_trial = var.single_account_trial
}

module "account_prod" {
  source = "../../terraform/modules/deploy_account"
  providers = {
    aws = aws.prod
  }

  environment          = "prod"
  account_id           = var.environment_accounts["prod"]
  github_repository    = var.github_repository
  create_oidc_provider = local.creates_oidc_provider["prod"]
  single_account_trial = var.single_account_trial
}
