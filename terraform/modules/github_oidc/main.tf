locals {
  issuer_host  = "token.actions.githubusercontent.com"
  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.existing_oidc_provider_arn

  # (environment, managed policy) pairs, keyed statically for for_each.
  attachments = merge([
    for env, cfg in var.environments : {
      for i, arn in cfg.managed_policy_arns : "${env}/${i}" => { environment = env, policy_arn = arn }
    }
  ]...)
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer_host}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS no longer checks these for GitHub's issuer, but older provider versions require a value.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
  tags            = var.tags
}

# One role per GitHub environment. The trust policy accepts only tokens minted
# for a job of this repository that runs in that environment, so protection
# rules on the environment (required reviewers for prod) gate the role.
resource "aws_iam_role" "deploy" {
  for_each = var.environments

  name                 = "${var.role_name_prefix}-${each.key}"
  description          = "GitHub Actions (${var.github_repository}, environment ${each.key})."
  max_session_duration = each.value.max_session_duration_seconds
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsEnvironment"
      Effect    = "Allow"
      Principal = { Federated = local.provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.issuer_host}:aud" = "sts.amazonaws.com"
          "${local.issuer_host}:sub" = "repo:${var.github_repository}:environment:${each.key}"
        }
      }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "deploy" {
  for_each = { for env, cfg in var.environments : env => cfg if cfg.policy_json != null }

  name   = "deploy"
  role   = aws_iam_role.deploy[each.key].id
  policy = each.value.policy_json
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each = local.attachments

  role       = aws_iam_role.deploy[each.value.environment].name
  policy_arn = each.value.policy_arn
}
