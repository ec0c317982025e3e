# Plan-mode checks of the composition module with a mocked AWS provider and
# dev-shaped values. Environment-specific assertions live in each root's tests.

mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

mock_provider "aws" {
  alias           = "us_east_1"
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  image_tag            = "v0.0.0-test"
  origin_verify_secret = "test-origin-verify-secret-0123456789abcdef"
  environment          = "dev"
  aws_region           = "eu-west-1"
  aws_account_id       = "111111111111"
  ecr_account_id       = "999999999999"

  availability_zones = ["eu-west-1a", "eu-west-1b"]
  vpc_cidr           = "10.10.0.0/16"
  single_nat_gateway = true

  api_domain_name         = "api.dev.shoptrail.example.com"
  api_certificate_arn     = "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000001"
  console_domain_name     = "console.dev.shoptrail.example.com"
  console_certificate_arn = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000002"

  api_cpu                 = 512
  api_memory              = 1024
  api_desired_count       = 2
  api_max_count           = 4
  api_requests_per_target = 2000

  worker_cpu           = 256
  worker_memory        = 512
  worker_desired_count = 1

  docdb_instance_class        = "db.t4g.medium"
  docdb_instance_count        = 2
  docdb_backup_retention_days = 7

  deletion_protection           = false
  force_destroy_buckets         = true
  log_retention_days            = 365
  access_log_retention_days     = 30
  exports_expiration_days       = 14
  exports_transition_to_ia_days = null

  waf_rate_limit_per_5_minutes = 20000
  alarm_email_addresses        = ["dev-alerts@shoptrail.example.com"]
  alarm_p99_latency_seconds    = 2
}

run "api_runs_at_least_two_tasks_in_two_azs_behind_https" {
  command = plan

  assert {
    condition     = module.api.desired_count >= 2
    error_message = "The api runs at least two tasks."
  }

  assert {
    condition     = module.api.load_balanced && module.api.subnet_ids == toset(module.network.private_subnet_ids) && length(module.network.private_subnet_ids) == 2
    error_message = "The api is behind the ALB, in the two private subnets (one per AZ)."
  }

  assert {
    condition     = length(distinct(module.network.availability_zones)) == 2
    error_message = "The network spans two availability zones."
  }

  assert {
    condition     = module.alb.https_listener_ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "The API is served over HTTPS with TLS 1.2+."
  }

  assert {
    condition     = module.api.image == "${var.ecr_account_id}.dkr.ecr.${var.aws_region}.amazonaws.com/shoptrail-api:v0.0.0-test"
    error_message = "The api image is the shoptrail-api repository at image_tag."
  }

  assert {
    condition     = module.api.load_balanced && module.api.listen_address == "0.0.0.0:8080"
    error_message = "The api listens on all interfaces on the target group's port."
  }

  assert {
    condition     = module.api.environment_variables["APP__SERVER__TRUSTED_PROXIES"] == "${module.network.vpc_cidr_block},130.176.0.0/18,15.158.0.0/16" && module.api.ingress_sources == tolist(["alb"])
    error_message = "The api believes X-Forwarded-For only from the ALB (inside the VPC) and CloudFront's origin-facing ranges, so it takes the viewer's address."
  }
}

run "worker_runs_without_a_load_balancer" {
  command = plan

  assert {
    condition     = module.worker.desired_count >= 1 && !module.worker.load_balanced
    error_message = "The worker runs at least one task and no load balancer."
  }

  assert {
    condition     = endswith(module.worker.image, "/shoptrail-worker:v0.0.0-test")
    error_message = "The worker image comes from shoptrail-worker at image_tag."
  }

  assert {
    condition     = length(module.worker.ingress_sources) == 0 && module.api.ingress_sources == tolist(["alb"])
    error_message = "Nothing may connect to the worker; only the ALB reaches the api."
  }

  assert {
    condition     = module.api.environment_variables["APP__WORKER__IN_PROCESS"] == "false" && !contains(keys(module.worker.environment_variables), "APP__WORKER__IN_PROCESS")
    error_message = "Jobs run in the worker service, not in the api tasks."
  }

  assert {
    condition     = module.worker.environment_variables["APP__EXPORT__DESTINATION"] == "s3://${module.exports.bucket_name}/daily" && module.exports.bucket_name == "shoptrail-${var.environment}-exports-${var.aws_account_id}"
    error_message = "The worker exports into the environment's exports bucket."
  }

  assert {
    condition = (
      module.worker.environment_variables["APP__WORKER__LISTEN_ADDR"] == "127.0.0.1:9090"
      && module.worker.metrics_scrape_target == "127.0.0.1:9090"
      && module.worker.health_check_command == tolist(["CMD", "curl", "--fail", "--silent", "--max-time", "2", "http://127.0.0.1:9090/healthz"])
    )
    error_message = "The worker's health check and metrics sidecar use its listener on 9090."
  }

  assert {
    condition     = module.api.metrics_scrape_target == "127.0.0.1:8080"
    error_message = "The api's sidecar scrapes the api port."
  }
}

run "worker_task_role_is_least_privilege" {
  command = plan

  assert {
    condition = toset(one([
      for s in jsondecode(module.worker.task_role_policy).Statement : s.Action if s.Sid == "ReadWriteDeleteExports"
    ])) == toset(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"])
    error_message = "The worker may overwrite and delete stale export objects."
  }

  assert {
    condition = one([
      for s in jsondecode(module.worker.task_role_policy).Statement : s.Resource if s.Sid == "ReadWriteDeleteExports"
    ]) == ["${module.exports.bucket_arn}/daily/*"]
    error_message = "Object access is limited to the export prefix of the exports bucket."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(module.worker.task_role_policy).Statement :
      !contains(s.Action, "s3:DeleteObject") || s.Sid == "ReadWriteDeleteExports"
    ])
    error_message = "Only the export prefix may be deleted from."
  }

  assert {
    condition     = !strcontains(module.worker.task_role_policy, "Import")
    error_message = "No import permissions without import_bucket_arns."
  }

  assert {
    condition = alltrue([
      strcontains(module.api.task_role_policy, "mock-bucket/daily/_imports/uploads/*"),
      !strcontains(module.api.task_role_policy, "s3:GetObject"),
      !strcontains(module.api.task_role_policy, "s3:DeleteObject"),
      !strcontains(module.api.task_role_policy, "mock-bucket/daily/*"),
    ])
    error_message = "The api may only write uploaded import files (no reads, no deletes, nothing else in the bucket)."
  }
}

run "worker_may_read_import_buckets" {
  command = plan

  variables {
    import_bucket_arns = ["arn:aws:s3:::partner-dumps"]
  }

  assert {
    condition = (
      one([for s in jsondecode(module.worker.task_role_policy).Statement : s.Resource if s.Sid == "ReadImportObjects"]) == ["arn:aws:s3:::partner-dumps/*"]
      && one([for s in jsondecode(module.worker.task_role_policy).Statement : s.Action if s.Sid == "ReadImportObjects"]) == ["s3:GetObject"]
      && one([for s in jsondecode(module.worker.task_role_policy).Statement : s.Resource if s.Sid == "ListImportBuckets"]) == ["arn:aws:s3:::partner-dumps"]
    )
    error_message = "Import buckets are read-only for the worker."
  }
}

run "rejects_an_import_object_path" {
  command = plan

  variables {
    import_bucket_arns = ["arn:aws:s3:::partner-dumps/some/prefix"]
  }

  expect_failures = [var.import_bucket_arns]
}

run "database_spans_two_azs" {
  command = plan

  assert {
    condition     = length(distinct(module.database.instance_availability_zones)) == 2
    error_message = "DocumentDB instances are in both AZs."
  }
}

run "no_public_bucket" {
  command = plan

  assert {
    condition     = module.logs.public_access_blocked && module.exports.public_access_blocked && module.console.public_access_blocked
    error_message = "Every bucket blocks public access."
  }

  assert {
    condition     = module.console.api_routed && output.console_api_base_url == ""
    error_message = "The console distribution routes /v1/* to the API, so the console calls its own origin (no VITE_API_BASE_URL)."
  }
}

run "observability_is_wired" {
  command = plan

  assert {
    condition     = module.observability.dashboard_name == "shoptrail-${var.environment}-service-health"
    error_message = "The environment has its dashboard."
  }

  assert {
    condition     = length(module.observability.alarm_names) == 15
    error_message = "All api, worker and database alarms exist."
  }

  assert {
    condition = alltrue([
      for alarm in ["export-failed", "export-stale", "jobs-failed", "worker-not-running", "docdb-cpu", "docdb-freeable-memory", "docdb-connections", "docdb-replica-lag"] :
      contains(module.observability.alarm_names, "shoptrail-${var.environment}-${alarm}")
    ])
    error_message = "The worker's export, job and running-task alarms and the DocumentDB alarms exist."
  }
}

run "refuses_the_latest_tag" {
  command = plan

  variables {
    image_tag = "latest"
  }

  expect_failures = [var.image_tag]
}

run "an_expiration_before_the_transition_is_refused_at_plan_time" {
  command = plan

  variables {
    exports_expiration_days       = 30
    exports_transition_to_ia_days = 30
  }

  expect_failures = [var.exports_expiration_days]
}

run "metrics_is_unreachable_from_outside" {
  command = plan

  assert {
    condition     = module.alb.blocked_paths_response.status_code == "404" && toset(module.alb.blocked_paths_response.paths) == toset(["/metrics", "/metrics/*"])
    error_message = "The ALB answers /metrics with 404 before any forward rule."
  }

  assert {
    condition     = module.alb.blocked_paths_response.priority == 1
    error_message = "The /metrics rule is the first rule of the HTTPS listener."
  }
}

run "only_cloudfront_reaches_the_alb" {
  command = plan

  assert {
    condition     = module.alb.https_ingress == "pl-4fa04526"
    error_message = "The ALB admits HTTPS only from CloudFront's origin-facing prefix list."
  }

  assert {
    condition     = module.alb.default_response == "403" && module.alb.origin_verify_header_name == "X-Shoptrail-Origin-Verify"
    error_message = "Requests without CloudFront's secret header are refused."
  }

  assert {
    condition     = contains(module.console.api_origin_custom_header_names, "X-Shoptrail-Origin-Verify")
    error_message = "CloudFront adds the secret header to every API origin request."
  }

  assert {
    condition     = module.alb.listener_ports == [443]
    error_message = "No port-80 listener: plain HTTP is refused rather than redirected (a 301 turns POSTs into GETs)."
  }
}

run "per_ip_limits_count_viewers_not_edge_nodes" {
  command = plan

  assert {
    condition     = module.edge_waf.scope == "CLOUDFRONT" && module.edge_waf.rate_limit.key == "IP" && module.edge_waf.rate_limit.limit == var.waf_rate_limit_per_5_minutes
    error_message = "The per-IP rate limit is in the CLOUDFRONT-scope web ACL, where the IP is the viewer's."
  }

  assert {
    condition     = module.console.web_acl_arn == module.edge_waf.arn
    error_message = "The edge web ACL is attached to the distribution."
  }

  assert {
    condition     = !module.alb.rate_limited_per_ip
    error_message = "The regional web ACL, which sees only edge addresses, has no per-IP rule."
  }

  assert {
    condition     = module.console.api_origin_request_policy_id == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    error_message = "API requests reach the origin with the viewer's headers and CloudFront's (CloudFront-Viewer-Country), Host excepted."
  }
}

run "deployments_are_watched_and_azs_rebalanced" {
  command = plan

  assert {
    condition     = module.api.deployment_alarms.rollback && module.api.deployment_alarms.alarm_names == toset([module.observability.alb_5xx_alarm_name])
    error_message = "An api deployment that sets off the 5xx alarm is rolled back by ECS."
  }

  assert {
    condition     = module.worker.wait_for_steady_state && module.api.wait_for_steady_state
    error_message = "terraform apply waits for both services, so a crash-looping worker is not promoted."
  }

  assert {
    condition     = module.worker.deployment_alarms.alarm_names == toset([module.observability.worker_not_running_alarm_name])
    error_message = "The worker is watched: a deployment that stops it rolls back."
  }

  assert {
    condition     = module.api.availability_zone_rebalancing == "ENABLED" && module.worker.availability_zone_rebalancing == "ENABLED"
    error_message = "Tasks move back into a recovered AZ."
  }

  assert {
    condition     = yamldecode(module.worker.sidecar_config).exporters.awsemf.retain_initial_value_of_delta_metric
    error_message = "The first point of a new failure series reaches CloudWatch."
  }
}

run "bootstrap_creates_everything_with_no_tasks" {
  command = plan

  variables {
    bootstrap = true
  }

  assert {
    condition     = module.api.desired_count == 0 && module.worker.desired_count == 0
    error_message = "While the MongoDB URI secret is empty, the services start with no task (nothing to wait for)."
  }
}

run "the_first_deploy_has_a_db_init_task" {
  command = plan

  assert {
    condition     = module.db_init.command == ["db-init"] && module.db_init.image == module.api.image
    error_message = "db-init runs the release's api image with its db-init subcommand."
  }

  assert {
    condition     = strcontains(module.db_init.task_role_policy, module.secrets.arns["mongodb-uri"]) && strcontains(module.db_init.task_role_policy, "secretsmanager:PutSecretValue")
    error_message = "db-init writes the URI secret the services read."
  }

  assert {
    condition     = output.db_init_task.security_group_id == module.db_init.security_group_id && output.db_init_task.subnet_ids == module.network.private_subnet_ids
    error_message = "The workflow learns how to run db-init in the private subnets."
  }
}

run "grafana_in_aws_reads_what_the_sidecars_write" {
  command = plan

  assert {
    condition = alltrue([
      for svc in [module.api, module.worker] :
      yamldecode(svc.sidecar_config).exporters.prometheusremotewrite.endpoint == "${module.metrics_workspace.prometheus_endpoint}api/v1/remote_write"
    ])
    error_message = "Both sidecars remote-write to the environment's AMP workspace."
  }

  assert {
    condition     = module.metrics_workspace.grafana_data_sources == tolist(["PROMETHEUS"]) && output.grafana.workspace_id == module.metrics_workspace.grafana_workspace_id
    error_message = "The Managed Grafana workspace reads Prometheus and is handed to the dashboard loader."
  }
}

run "every_role_carries_the_permissions_boundary" {
  command = plan

  variables {
    alarm_slack = { team_id = "T0123456", channel_id = "C0123456" }
  }

  assert {
    condition = alltrue([
      for b in concat(
        module.api.role_permissions_boundaries,
        module.worker.role_permissions_boundaries,
        module.db_init.role_permissions_boundaries,
        module.metrics_workspace.role_permissions_boundaries,
        module.observability.role_permissions_boundaries,
      ) : b == "arn:aws:iam::111111111111:policy/shoptrail-dev-workload-boundary"
    ]) && length(module.observability.role_permissions_boundaries) == 1
    error_message = "Every role of the environment carries its permissions boundary (the deploy role cannot create any other)."
  }

  assert {
    condition     = startswith(module.api.image, "999999999999.dkr.ecr.eu-west-1.amazonaws.com/")
    error_message = "Images come from the tooling account's ECR."
  }
}
