mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name                = "shoptrail-test-api"
  cluster_arn         = "arn:aws:ecs:eu-west-1:123456789012:cluster/shoptrail-test"
  cluster_name        = "shoptrail-test"
  image               = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shoptrail-api:v1.2.3"
  ecr_repository_arns = ["arn:aws:ecr:eu-west-1:123456789012:repository/shoptrail-api"]
  container_port      = 8080
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
  desired_count       = 2
  autoscaling = {
    min_capacity        = 2
    max_capacity        = 6
    cpu_target_percent  = 60
    requests_per_target = 1000
  }
  environment = {
    APP__STORAGE__ENGINE = "mongodb"
  }
  secrets = {
    APP__STORAGE__MONGODB_URI = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoptrail/test/mongodb-uri-AbCdEf"
  }
  secrets_kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  ingress_security_group_ids = { alb = "sg-0aaaaaaaaaaaaaaa1" }
  load_balancer = {
    target_group_arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shoptrail-test-api-tg/0123456789abcdef"
    target_group_arn_suffix = "targetgroup/shoptrail-test-api-tg/0123456789abcdef"
    alb_arn_suffix          = "app/shoptrail-test-api/0123456789abcdef"
  }
  health_check = {
    command = ["CMD", "curl", "--fail", "http://127.0.0.1:8080/healthz"]
  }
}

run "api_service_behind_the_alb_in_two_azs" {
  command = plan

  assert {
    condition     = aws_ecs_service.this.desired_count >= 2
    error_message = "The API runs at least two tasks."
  }

  assert {
    condition     = length(one(aws_ecs_service.this.network_configuration).subnets) == 2 && one(aws_ecs_service.this.network_configuration).assign_public_ip == false
    error_message = "Tasks run in the two private subnets without public IPs."
  }

  assert {
    condition     = one(aws_ecs_service.this.load_balancer).container_port == 8080 && one(aws_ecs_service.this.load_balancer).container_name == "app"
    error_message = "The app container's port 8080 is registered in the target group."
  }

  assert {
    condition     = one(aws_ecs_service.this.deployment_circuit_breaker).enable && one(aws_ecs_service.this.deployment_circuit_breaker).rollback
    error_message = "Failed deployments roll back."
  }
}

run "secrets_are_injected_by_reference" {
  command = plan

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets == [{ name = "APP__STORAGE__MONGODB_URI", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoptrail/test/mongodb-uri-AbCdEf" }]
    error_message = "The MongoDB URI comes from Secrets Manager through the secrets block."
  }

  assert {
    condition     = !strcontains(aws_ecs_task_definition.this.container_definitions, "mongodb://")
    error_message = "No connection string in plain environment variables."
  }

  assert {
    condition     = contains([for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Sid], "ReadInjectedSecrets")
    error_message = "Only the execution role reads the secrets."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if s.Sid == "ReadInjectedSecrets"]) == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoptrail/test/mongodb-uri-AbCdEf"]
    error_message = "The execution role may read exactly the injected secrets."
  }
}

run "container_is_hardened" {
  command = plan

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "Read-only root filesystem."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user == "10001:10001"
    error_message = "Runs as the image's non-root user."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command[0] == "CMD"
    error_message = "The container health check is set."
  }
}

run "scales_on_cpu_and_alb_requests" {
  command = plan

  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 2 && aws_appautoscaling_target.this.max_capacity == 6
    error_message = "Scaling bounds follow var.autoscaling."
  }

  assert {
    condition     = length(aws_appautoscaling_policy.cpu) == 1 && length(aws_appautoscaling_policy.requests) == 1
    error_message = "Target tracking on CPU and on ALB requests per target."
  }

  assert {
    condition     = one(one(aws_appautoscaling_policy.requests[0].target_tracking_scaling_policy_configuration).predefined_metric_specification).resource_label == "app/shoptrail-test-api/0123456789abcdef/targetgroup/shoptrail-test-api-tg/0123456789abcdef"
    error_message = "The request-count policy targets this ALB and target group."
  }
}

run "metrics_sidecar_publishes_to_cloudwatch" {
  command = plan

  variables {
    metrics_sidecar = {
      environment = "test"
      service     = "api"
    }
  }

  assert {
    condition     = length(jsondecode(aws_ecs_task_definition.this.container_definitions)) == 2
    error_message = "The sidecar is a second container."
  }

  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).exporters.awsemf.namespace == "Shoptrail"
    error_message = "The collector writes to the Shoptrail namespace."
  }

  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment, { name = "APP__TELEMETRY__OTLP_ENDPOINT", value = "http://127.0.0.1:4318" })
    error_message = "The app sends OTLP to the sidecar."
  }

  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).receivers.prometheus.config.scrape_configs[0].static_configs[0].targets == ["127.0.0.1:8080"]
    error_message = "The collector scrapes the app's /metrics inside the task."
  }

  assert {
    condition = toset(flatten([
      for d in yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).exporters.awsemf.metric_declarations :
      [for dims in d.dimensions : join(",", dims)] if anytrue([for selector in d.metric_name_selectors : can(regex(selector, "shoptrail_jobs_total"))])
    ])) == toset(["Environment,Service", "Environment,Service,outcome", "Environment,Service,kind", "Environment,Service,kind,outcome"])
    error_message = "shoptrail_jobs_total keeps kind and outcome in CloudWatch (and outcome alone, for one alarm over every kind)."
  }

  assert {
    condition = toset(flatten([
      for d in yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).exporters.awsemf.metric_declarations :
      [for dims in d.dimensions : join(",", dims)] if anytrue([for selector in d.metric_name_selectors : can(regex(selector, "shoptrail_jobs_queued"))])
    ])) == toset(["Environment,Service", "Environment,Service,kind", "Environment,Service,kind,outcome"])
    error_message = "shoptrail_jobs_queued is published per kind."
  }

  assert {
    condition = toset(flatten([
      for d in yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).exporters.awsemf.metric_declarations :
      [for dims in d.dimensions : join(",", dims)] if anytrue([for selector in d.metric_name_selectors : can(regex(selector, "shoptrail_store_up"))])
    ])) == toset(["Environment,Service"])
    error_message = "Other metrics keep only Environment and Service."
  }
}

run "metrics_sidecar_scrapes_its_own_port" {
  command = plan

  variables {
    metrics_sidecar = {
      environment = "test"
      service     = "api"
      port        = 9464
    }
  }

  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).receivers.prometheus.config.scrape_configs[0].static_configs[0].targets == ["127.0.0.1:9464"]
    error_message = "metrics_sidecar.port overrides container_port as the scrape target."
  }
}

run "worker_sidecar_without_container_port" {
  command = plan

  variables {
    name           = "shoptrail-test-worker"
    image          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shoptrail-worker:v1.2.3"
    container_port = null
    load_balancer  = null
    desired_count  = 1
    autoscaling = {
      min_capacity = 1
      max_capacity = 1
    }
    ingress_security_group_ids = {}
    metrics_sidecar = {
      environment = "test"
      service     = "worker"
      port        = 9090
    }
  }

  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).receivers.prometheus.config.scrape_configs[0].static_configs[0].targets == ["127.0.0.1:9090"]
    error_message = "The worker's sidecar scrapes its metrics listener on 9090."
  }

  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).receivers.prometheus.config.scrape_configs[0].static_configs[0].labels == { Environment = "test", Service = "worker" }
    error_message = "The worker's metrics carry Service = worker."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].portMappings == [] && length(aws_vpc_security_group_ingress_rule.from_security_groups) == 0
    error_message = "Scraping inside the task needs no port mapping and no ingress."
  }
}

run "sidecar_port_defaults_to_8080_without_container_port" {
  command = plan

  variables {
    container_port = null
    load_balancer  = null
    desired_count  = 1
    autoscaling = {
      min_capacity = 1
      max_capacity = 1
    }
    ingress_security_group_ids = {}
    metrics_sidecar = {
      environment = "test"
      service     = "worker"
    }
  }

  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment[0].value).receivers.prometheus.config.scrape_configs[0].static_configs[0].targets == ["127.0.0.1:8080"]
    error_message = "Without port and container_port the sidecar scrapes 8080."
  }
}

run "rejects_an_invalid_sidecar_port" {
  command = plan

  variables {
    metrics_sidecar = {
      environment = "test"
      service     = "api"
      port        = 70000
    }
  }

  expect_failures = [var.metrics_sidecar]
}

run "a_load_balanced_service_needs_two_tasks" {
  command = plan

  variables {
    desired_count = 1
    autoscaling = {
      min_capacity = 1
      max_capacity = 4
    }
  }

  expect_failures = [aws_ecs_service.this]
}

run "worker_without_load_balancer" {
  command = plan

  variables {
    name           = "shoptrail-test-worker"
    image          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shoptrail-worker:v1.2.3"
    container_port = null
    load_balancer  = null
    health_check   = null
    desired_count  = 1
    autoscaling = {
      min_capacity       = 1
      max_capacity       = 1
      cpu_target_percent = null
    }
    ingress_security_group_ids = {}
  }

  assert {
    condition     = length(aws_ecs_service.this.load_balancer) == 0 && aws_ecs_service.this.desired_count == 1
    error_message = "The worker runs one task without a load balancer."
  }

  assert {
    condition     = length(aws_appautoscaling_policy.cpu) == 0 && length(aws_appautoscaling_policy.requests) == 0
    error_message = "No scaling policy when no target is given."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].portMappings == []
    error_message = "The worker exposes no port."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.from_security_groups) == 0
    error_message = "Nothing may connect to the worker."
  }
}

run "rejects_latest_tag" {
  command = plan

  variables {
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shoptrail-api:latest"
  }

  expect_failures = [var.image]
}

run "rebalances_azs_and_rolls_back_on_alarms" {
  command = plan

  variables {
    deployment_alarm_names = ["shoptrail-test-alb-5xx-rate"]
  }

  assert {
    condition     = output.availability_zone_rebalancing == "ENABLED"
    error_message = "Tasks move back into a recovered AZ."
  }

  assert {
    condition     = output.deployment_alarms.rollback && output.deployment_alarms.alarm_names == toset(["shoptrail-test-alb-5xx-rate"])
    error_message = "A deployment that sets off the 5xx alarm is rolled back."
  }
}

run "sidecar_keeps_first_points_and_remote_writes_to_amp" {
  command = plan

  variables {
    metrics_sidecar = {
      environment = "test"
      service     = "api"
      remote_write = {
        endpoint      = "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123/"
        workspace_arn = "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123"
      }
    }
  }

  assert {
    condition     = yamldecode(output.sidecar_config).exporters.awsemf.retain_initial_value_of_delta_metric == true
    error_message = "The first value of a new counter series is sent, not swallowed as a baseline."
  }

  assert {
    condition = (
      yamldecode(output.sidecar_config).exporters.prometheusremotewrite.endpoint == "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123/api/v1/remote_write"
      && contains(yamldecode(output.sidecar_config).service.pipelines.metrics.exporters, "prometheusremotewrite")
      && yamldecode(output.sidecar_config).extensions.sigv4auth.service == "aps"
    )
    error_message = "The sidecar remote-writes to the AMP workspace with SigV4."
  }

  assert {
    condition     = one([for s in jsondecode(output.task_role_policy).Statement : s.Resource if s.Sid == "SidecarRemoteWritesToManagedPrometheus"]) == ["arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123"]
    error_message = "The task role may remote-write to that workspace only."
  }
}
