# Bootstrap of one environment's AWS account: the GitHub OIDC provider, the
# environment's Terraform state bucket, the permissions boundary every role of
# the environment must carry, the deploy role (applies) and the plan role
# (read-only plans on pull requests). Applied once per account from
# environments/global with that account's provider (docs/deploy.md).

locals {
  partition     = "aws"
  issuer        = "token.actions.githubusercontent.com"
  iam           = "arn:${local.partition}:iam::${var.account_id}"
  provider_arn  = "${local.iam}:oidc-provider/${local.issuer}"
  prefix        = "shoptrail-${var.environment}"
  role_pattern  = "${local.iam}:role/${local.prefix}-*"
  boundary_name = "${local.prefix}-workload-boundary"
  boundary_arn  = "${local.iam}:policy/${local.boundary_name}"
  state_bucket  = "${local.prefix}-tfstate-${var.account_id}"
  state_key     = "environments/${var.environment}/"

  # The subject GitHub signs, with the repository's OIDC subject template set to
  # include job_workflow_ref (docs/deploy.md): the GitHub environment gates the
  # role (reviewers on prod), the workflow ref pins which workflow file at
  # which ref may use it.
  subjects = {
    deploy = [for ref in var.deploy_workflow_refs : "repo:${var.github_repository}:environment:${var.environment}:job_workflow_ref:${var.github_repository}/${ref}"]
    plan   = [for ref in var.plan_workflow_refs : "repo:${var.github_repository}:environment:${var.environment}-plan:job_workflow_ref:${var.github_repository}/${ref}"]
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url             = "https://${local.issuer}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
  tags            = var.tags
}

# --- State -------------------------------------------------------------------------

module "kms" {
  source = "../kms"

  name       = "${local.prefix}-tfstate"
  account_id = var.account_id
  tags       = var.tags
}

module "logs" {
  source = "../log_bucket"

  bucket_name    = "${local.prefix}-tfstate-logs-${var.account_id}"
  account_id     = var.account_id
  retention_days = 365
  tags           = var.tags
}

module "state_bucket" {
  source = "../exports_bucket"

  bucket_name                       = local.state_bucket
  kms_key_arn                       = module.kms.key_arn
  access_log_bucket_name            = module.logs.bucket_name
  noncurrent_version_retention_days = 90
  tags                              = var.tags
}

# --- Permissions boundary ----------------------------------------------------------

# Every role the deploy role creates must carry this boundary: the workload can
# use the services the stack runs on, and never IAM, Organizations or STS role
# chaining, so no role minted by a deploy can exceed it.
resource "aws_iam_policy" "boundary" {
  #checkov:skip=CKV_AWS_290:A permissions boundary grants nothing by itself; it caps the roles' own policies, which are scoped per resource in the modules.
  #checkov:skip=CKV_AWS_288:A permissions boundary grants nothing by itself; the workload roles' own policies name their buckets and secrets.
  #checkov:skip=CKV_AWS_289:A permissions boundary grants nothing by itself, and it denies iam:* outright to every role under it.
  #checkov:skip=CKV_AWS_355:A boundary must cover every resource the bounded roles may be granted; their own policies carry the resource scope.
  name        = local.boundary_name
  description = "Upper bound of every role in the ${var.environment} environment (ECS tasks, Grafana, Chatbot)."
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "WorkloadServices"
        Effect = "Allow"
        Action = [
          "s3:*", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret",
          "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "logs:CreateLogStream", "logs:PutLogEvents",
          "logs:DescribeLogStreams", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
          "xray:GetSamplingTargets", "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "aps:RemoteWrite", "aps:QueryMetrics", "aps:GetSeries",
          "aps:GetLabels", "aps:GetMetricMetadata", "aps:DescribeWorkspace", "aps:ListWorkspaces",
          "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel", "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*",
        ]
        Resource = "*"
      },
      {
        Sid      = "NeverIdentityOrOrganization"
        Effect   = "Deny"
        Action   = ["iam:*", "organizations:*", "sts:AssumeRole", "account:*"]
        Resource = "*"
      },
    ]
  })
  tags = var.tags
}

# --- Deploy role ------------------------------------------------------------------

resource "aws_iam_role" "deploy" {
  name                 = "shoptrail-github-${var.environment}-deploy"
  description          = "GitHub Actions deploys of ${var.github_repository} to ${var.environment}${var.single_account_trial ? " (SINGLE-ACCOUNT TRIAL: not isolated from other environments)" : ""}."
  max_session_duration = 3600
  assume_role_policy   = local.trust["deploy"]
  tags                 = merge(var.tags, { Mode = var.single_account_trial ? "single-account-trial" : "account-per-environment" })
}

resource "aws_iam_role" "plan" {
  name                 = "shoptrail-github-${var.environment}-plan"
  description          = "Read-only terraform plans of ${var.github_repository} for ${var.environment} (pull requests)."
  max_session_duration = 3600
  assume_role_policy   = local.trust["plan"]
  tags                 = var.tags
}

locals {
  trust = {
    for role, subjects in local.subjects : role => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "GitHubActions"
        Effect    = "Allow"
        Principal = { Federated = local.provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = { "${local.issuer}:aud" = "sts.amazonaws.com" }
          StringLike   = { "${local.issuer}:sub" = subjects }
        }
      }]
    })
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = local.deploy_policy
}

locals {
  deploy_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The services the stack is made of (terraform/stacks/shoptrail), and no others.
        Sid      = "StackServices"
        Effect   = "Allow"
        Action   = [for s in var.stack_services : "${s}:*"]
        Resource = "*"
      },
      { Sid = "ReadIdentity", Effect = "Allow", Action = ["iam:Get*", "iam:List*"], Resource = "*" },
      {
        # Roles only of this environment, and only with the boundary attached.
        Sid       = "CreateBoundedRoles"
        Effect    = "Allow"
        Action    = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]
        Resource  = [local.role_pattern]
        Condition = { StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn } }
      },
      {
        Sid    = "ManageOwnRoles"
        Effect = "Allow"
        Action = [
          "iam:DeleteRole", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy",
          "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
        ]
        Resource = [local.role_pattern]
      },
      {
        Sid       = "PassOwnRolesToTheirServices"
        Effect    = "Allow"
        Action    = ["iam:PassRole"]
        Resource  = [local.role_pattern]
        Condition = { StringEquals = { "iam:PassedToService" = ["ecs-tasks.amazonaws.com", "grafana.amazonaws.com", "chatbot.amazonaws.com"] } }
      },
      {
        Sid      = "ServiceLinkedRoles"
        Effect   = "Allow"
        Action   = ["iam:CreateServiceLinkedRole"]
        Resource = ["${local.iam}:role/aws-service-role/*"]
      },
      {
        # No way around the boundary: a deploy can neither remove nor rewrite it.
        Sid      = "KeepTheBoundary"
        Effect   = "Deny"
        Action   = ["iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"]
        Resource = "*"
      },
      { Sid = "OwnState", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = ["${module.state_bucket.bucket_arn}/${local.state_key}*"] },
      { Sid = "ListOwnState", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [module.state_bucket.bucket_arn] },
      { Sid = "StateKey", Effect = "Allow", Action = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource = [module.kms.key_arn] },
    ]
  })
}

# Plans on pull requests read the account and the state, and change nothing.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan" {
  name = "read-state"
  role = aws_iam_role.plan.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "ReadOwnState", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["${module.state_bucket.bucket_arn}/${local.state_key}*"] },
      { Sid = "ListOwnState", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [module.state_bucket.bucket_arn] },
      { Sid = "DecryptState", Effect = "Allow", Action = ["kms:Decrypt"], Resource = [module.kms.key_arn] },
    ]
  })
}
