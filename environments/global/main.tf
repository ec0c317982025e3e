# Account-wide bootstrap, applied once before any environment (docs/deploy.md):
# the Terraform state bucket, the ECR repositories and GitHub OIDC deploy roles.

locals {
  name              = "shoptrail-global"
  state_bucket_name = "shoptrail-tfstate-${var.aws_account_id}"
  state_bucket_arn  = "arn:aws:s3:::${local.state_bucket_name}"
  iam_prefix        = "arn:aws:iam::${var.aws_account_id}"

  # Terraform of one environment may read/write only its own state object (and lock file).
  environment_policies = {
    for env in var.deploy_environments : env => jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "ListOwnState"
          Effect   = "Allow"
          Action   = ["s3:ListBucket"]
          Resource = [local.state_bucket_arn]
          Condition = {
            StringLike = { "s3:prefix" = ["environments/${env}/*"] }
          }
        },
        {
          Sid      = "ReadWriteOwnState"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
          Resource = ["${local.state_bucket_arn}/environments/${env}/*"]
        },
        {
          Sid      = "UseStateKey"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
          Resource = [module.kms.key_arn]
        },
        {
          # PowerUserAccess excludes IAM: allow managing only this environment's roles.
          Sid    = "ManageEnvironmentRoles"
          Effect = "Allow"
          Action = [
            "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
            "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:PassRole",
          ]
          Resource = ["${local.iam_prefix}:role/shoptrail-${env}-*"]
        },
        {
          Sid      = "CreateServiceLinkedRoles"
          Effect   = "Allow"
          Action   = ["iam:CreateServiceLinkedRole"]
          Resource = ["${local.iam_prefix}:role/aws-service-role/*"]
        },
      ]
    })
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

module "kms" {
  source = "../../terraform/modules/kms"

  name       = local.name
  account_id = var.aws_account_id
}

module "logs" {
  source = "../../terraform/modules/log_bucket"

  bucket_name    = "${local.name}-logs-${var.aws_account_id}"
  account_id     = var.aws_account_id
  retention_days = 365
}

# A private, versioned, SSE-KMS, TLS-only bucket with access logs: the same
# guarantees the exports need, so the module is reused for the state.
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
}

module "github_oidc" {
  source = "../../terraform/modules/github_oidc"

  github_repository = var.github_repository
  environments = merge(
    { for env, policy in local.environment_policies : env => {
      policy_json         = policy
      managed_policy_arns = var.deploy_managed_policy_arns
    } },
    { (var.release_environment) = { policy_json = local.release_policy } },
  )
}
