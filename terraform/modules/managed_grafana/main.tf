# Grafana in AWS: an Amazon Managed Service for Prometheus workspace that the
# ADOT sidecars remote-write to, and an Amazon Managed Grafana workspace that
# reads it. The dashboards are not defined here: after each apply the deploy
# workflow loads docker/grafana/dashboards/*.json (the files the compose stack
# provisions) through a short-lived service-account token
# (scripts/lib/infra-grafana-dashboards.sh), so one JSON is the source of truth.

data "aws_region" "current" {}

resource "aws_prometheus_workspace" "this" {
  #checkov:skip=CKV_AWS_351:AMP encrypts with an AWS owned key; a customer key would need a grant for the sidecars and Grafana and buys nothing for operational metrics.
  alias = var.name
  tags  = var.tags
}

resource "aws_iam_role" "grafana" {
  permissions_boundary = var.permissions_boundary_arn
  name                 = "${var.name}-grafana"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "grafana.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })
  tags = var.tags
}

# Grafana may query this workspace only.
resource "aws_iam_role_policy" "grafana" {
  name = "query-prometheus"
  role = aws_iam_role.grafana.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "QueryWorkspace"
        Effect   = "Allow"
        Action   = ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata", "aps:DescribeWorkspace"]
        Resource = [aws_prometheus_workspace.this.arn]
      },
      {
        # The data source picker lists workspaces; the action has no resource scope.
        Sid      = "ListWorkspaces"
        Effect   = "Allow"
        Action   = ["aps:ListWorkspaces"]
        Resource = ["*"]
      },
    ]
  })
}

resource "aws_grafana_workspace" "this" {
  name                     = var.name
  description              = "Shoptrail dashboards (docker/grafana/dashboards) over Amazon Managed Prometheus."
  account_access_type      = "CURRENT_ACCOUNT"
  authentication_providers = var.authentication_providers
  permission_type          = "CUSTOMER_MANAGED"
  role_arn                 = aws_iam_role.grafana.arn
  data_sources             = ["PROMETHEUS"]
  grafana_version          = var.grafana_version
  tags                     = var.tags
}

# The deploy workflow mints a token for this account (minutes-long) to load the
# data source and dashboards; no token is kept in state.
resource "aws_grafana_workspace_service_account" "provisioner" {
  name         = "dashboard-provisioner"
  grafana_role = "EDITOR"
  workspace_id = aws_grafana_workspace.this.id
}
