mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name       = "shoptrail-test"
  account_id = "123456789012"
}

run "grafana_reads_the_prometheus_workspace_only" {
  command = plan

  assert {
    condition     = output.grafana_data_sources == tolist(["PROMETHEUS"]) && aws_grafana_workspace.this.permission_type == "CUSTOMER_MANAGED"
    error_message = "Grafana uses AMP through its own role."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.grafana.policy).Statement : s.Resource if s.Sid == "QueryWorkspace"]) == [aws_prometheus_workspace.this.arn]
    error_message = "The Grafana role may query this workspace only."
  }

  assert {
    condition     = jsondecode(aws_iam_role.grafana.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only Grafana in this account may assume the role."
  }

  assert {
    condition     = aws_grafana_workspace_service_account.provisioner.grafana_role == "EDITOR"
    error_message = "The provisioner account can load dashboards but not administer the workspace."
  }
}
