data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  load_balanced   = var.load_balancer != null
  sidecar_enabled = var.metrics_sidecar != null
  remote_write    = local.sidecar_enabled && try(var.metrics_sidecar.remote_write != null, false)

  # Secrets Manager valueFrom may carry a JSON key suffix (arn:...:secret:name-AbCdEf:key::);
  # IAM wants the bare secret ARN.
  secret_arns = distinct([for arn in values(var.secrets) : join(":", slice(split(":", arn), 0, 7))])

  app_environment = merge(
    local.sidecar_enabled ? { APP__TELEMETRY__OTLP_ENDPOINT = "http://127.0.0.1:4318" } : {},
    { AWS_REGION = local.region },
    var.environment,
  )

  app_container = merge(
    {
      name                   = var.container_name
      image                  = var.image
      essential              = true
      readonlyRootFilesystem = true
      user                   = var.container_user
      stopTimeout            = var.stop_timeout_seconds
      linuxParameters        = { initProcessEnabled = true }
      mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      portMappings = var.container_port == null ? [] : [{
        name          = "http"
        containerPort = var.container_port
        hostPort      = var.container_port
        protocol      = "tcp"
      }]
      environment = [for k in sort(keys(local.app_environment)) : { name = k, value = local.app_environment[k] }]
      secrets     = [for k in sort(keys(var.secrets)) : { name = k, valueFrom = var.secrets[k] }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = local.region
          awslogs-stream-prefix = var.container_name
        }
      }
    },
    var.command == null ? {} : { command = var.command },
    var.health_check == null ? {} : {
      healthCheck = {
        command     = var.health_check.command
        interval    = var.health_check.interval
        timeout     = var.health_check.timeout
        retries     = var.health_check.retries
        startPeriod = var.health_check.start_period
      }
    },
  )

  # Optional ADOT collector sidecar: scrapes the app's Prometheus /metrics and
  # writes them to CloudWatch as embedded-metric-format logs, so they appear as
  # custom metrics under the namespace with their Prometheus names; also
  # forwards the app's OTLP traces to X-Ray.
  sidecar_log_group = "/shoptrail/${var.name}/metrics"
  # The metrics port may differ from the service port (the worker serves
  # /metrics on its own listener and has no container_port).
  sidecar_scrape_port = local.sidecar_enabled ? coalesce(var.metrics_sidecar.port, var.container_port, 8080) : null
  sidecar_config = local.sidecar_enabled ? yamlencode({
    receivers = {
      prometheus = {
        config = {
          scrape_configs = [{
            job_name        = var.name
            scrape_interval = "60s"
            metrics_path    = var.metrics_sidecar.metrics_path
            static_configs = [{
              targets = ["127.0.0.1:${local.sidecar_scrape_port}"]
              labels  = { Environment = var.metrics_sidecar.environment, Service = var.metrics_sidecar.service }
            }]
          }]
        }
      }
      otlp = { protocols = { http = { endpoint = "127.0.0.1:4318" } } }
    }
    processors = { batch = {} }
    # SigV4 for Amazon Managed Prometheus remote write.
    extensions = local.remote_write ? { sigv4auth = { region = local.region, service = "aps" } } : {}
    exporters = merge({
      awsemf = {
        # Counters become deltas; by default the first value of every new
        # series is only a baseline and never sent, so the first failure of a
        # job kind after a restart would never reach the alarm. Keep it.
        retain_initial_value_of_delta_metric = true
        namespace                            = var.metrics_sidecar.namespace
        region                               = local.region
        log_group_name                       = local.sidecar_log_group
        log_stream_name                      = "{TaskId}"
        dimension_rollup_option              = "NoDimensionRollup"
        # A metric matching several declarations gets the union of their
        # dimension sets; a set is only used when the metric has every label
        # in it. Every shoptrail_ metric gets [Environment, Service]; outcome
        # survives on the ingest and jobs counters (one jobs-failed alarm over
        # every kind), and kind (with outcome) on the worker's job metrics.
        metric_declarations = [
          {
            dimensions            = [["Environment", "Service"]]
            metric_name_selectors = ["^shoptrail_"]
          },
          {
            dimensions            = [["Environment", "Service", "outcome"]]
            metric_name_selectors = ["^shoptrail_ingest_events_total$", "^shoptrail_jobs_total$"]
          },
          {
            dimensions            = [["Environment", "Service", "kind"], ["Environment", "Service", "kind", "outcome"]]
            metric_name_selectors = ["^shoptrail_jobs_total$", "^shoptrail_job_duration_seconds$", "^shoptrail_jobs_queued$"]
          },
        ]
      }
      awsxray = { region = local.region }
      }, local.remote_write ? {
      # The same scrape, unchanged, to Amazon Managed Prometheus for Grafana.
      prometheusremotewrite = {
        endpoint = "${var.metrics_sidecar.remote_write.endpoint}api/v1/remote_write"
        auth     = { authenticator = "sigv4auth" }
      }
    } : {})
    service = {
      extensions = local.remote_write ? ["sigv4auth"] : []
      pipelines = {
        metrics = { receivers = ["prometheus"], processors = ["batch"], exporters = concat(["awsemf"], local.remote_write ? ["prometheusremotewrite"] : []) }
        traces  = { receivers = ["otlp"], processors = ["batch"], exporters = ["awsxray"] }
      }
    }
  }) : null

  sidecar_container = local.sidecar_enabled ? [{
    name                   = "metrics-collector"
    image                  = var.metrics_sidecar.image
    essential              = false
    readonlyRootFilesystem = true
    environment            = [{ name = "AOT_CONFIG_CONTENT", value = local.sidecar_config }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "metrics-collector"
      }
    }
  }] : []
}

# --- Logs ------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  name              = "/shoptrail/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "metrics" {
  #checkov:skip=CKV_AWS_338:EMF events only carry metrics into CloudWatch Metrics (kept 15 months there); a year of raw copies adds cost, not evidence.
  count = local.sidecar_enabled ? 1 : 0

  name              = local.sidecar_log_group
  retention_in_days = 7
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# --- IAM ---------------------------------------------------------------------------

locals {
  ecs_tasks_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# Execution role: used by the ECS agent to pull the image, write logs and
# resolve the `secrets` block. The application never sees these permissions.
resource "aws_iam_role" "execution" {
  permissions_boundary = var.permissions_boundary_arn
  name                 = "${var.name}-execution"
  assume_role_policy   = local.ecs_tasks_trust
  tags                 = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name = "pull-log-resolve-secrets"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "EcrAuth"
          Effect   = "Allow"
          Action   = ["ecr:GetAuthorizationToken"]
          Resource = "*"
        },
        {
          Sid      = "EcrPull"
          Effect   = "Allow"
          Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
          Resource = var.ecr_repository_arns
        },
        {
          Sid      = "WriteLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
        },
      ],
      length(local.secret_arns) == 0 ? [] : [{
        Sid      = "ReadInjectedSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = local.secret_arns
      }],
      length(local.secret_arns) == 0 || var.secrets_kms_key_arn == null ? [] : [{
        Sid      = "DecryptInjectedSecrets"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.secrets_kms_key_arn]
        Condition = {
          StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" }
        }
      }],
    )
  })
}

# Task role: what the application (and the sidecar) may call at run time.
resource "aws_iam_role" "task" {
  permissions_boundary = var.permissions_boundary_arn
  name                 = "${var.name}-task"
  assume_role_policy   = local.ecs_tasks_trust
  tags                 = var.tags
}

locals {
  task_statements = concat(
    [for s in var.task_role_statements : {
      Sid      = s.sid
      Effect   = "Allow"
      Action   = s.actions
      Resource = s.resources
    }],
    [for statement in [
      {
        Sid      = "SidecarWritesEmfMetrics"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["${try(aws_cloudwatch_log_group.metrics[0].arn, "")}:*"]
      },
      {
        # X-Ray has no resource-level permissions for these actions.
        Sid      = "SidecarWritesTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = ["*"]
      },
    ] : statement if local.sidecar_enabled],
    local.remote_write ? [{
      Sid      = "SidecarRemoteWritesToManagedPrometheus"
      Effect   = "Allow"
      Action   = ["aps:RemoteWrite"]
      Resource = [var.metrics_sidecar.remote_write.workspace_arn]
    }] : [],
    var.enable_execute_command ? [{
      Sid      = "EcsExecChannels"
      Effect   = "Allow"
      Action   = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
      Resource = ["*"]
    }] : [],
  )
}

resource "aws_iam_role_policy" "task" {
  count = length(local.task_statements) > 0 ? 1 : 0

  name = "application"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.task_statements
  })
}

# --- Networking ---------------------------------------------------------------------

resource "aws_security_group" "this" {
  name        = "${var.name}-tasks"
  description = "Tasks of the ${var.name} ECS service."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-tasks" })
}

resource "aws_vpc_security_group_ingress_rule" "from_security_groups" {
  for_each = var.container_port == null ? {} : var.ingress_security_group_ids

  security_group_id            = aws_security_group.this.id
  description                  = "Container port from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_egress_rule" "https" {
  count = var.allow_https_egress ? 1 : 0

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (VPC endpoints, NAT) and external HTTPS services"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "cidr" {
  for_each = var.egress_rules

  security_group_id = aws_security_group.this.id
  description       = each.value.description
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr_ipv4
}

# --- Task definition and service -----------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode(concat([local.app_container], local.sidecar_container))

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = local.load_balanced ? var.health_check_grace_period_seconds : null
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = var.wait_for_steady_state
  # After an AZ outage ECS moves tasks back until the AZs are even again.
  availability_zone_rebalancing = var.availability_zone_rebalancing ? "ENABLED" : "DISABLED"

  # Fargate spreads a service's tasks evenly over the AZs of these subnets.
  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # A deployment that sets off one of these alarms is rolled back by ECS.
  dynamic "alarms" {
    for_each = length(var.deployment_alarm_names) > 0 ? [var.deployment_alarm_names] : []

    content {
      alarm_names = alarms.value
      enable      = true
      rollback    = true
    }
  }

  dynamic "load_balancer" {
    for_each = local.load_balanced ? [var.load_balancer] : []

    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = var.container_name
      container_port   = var.container_port
    }
  }

  lifecycle {
    # Application Auto Scaling owns the running count after creation.
    ignore_changes = [desired_count]

    precondition {
      condition     = !local.load_balanced || var.desired_count == 0 || (var.desired_count >= 2 && var.autoscaling.min_capacity >= 2)
      error_message = "A load-balanced service must run at least 2 tasks (desired_count and autoscaling.min_capacity >= 2) so that each AZ serves traffic; 0 only while bootstrapping."
    }

    precondition {
      condition     = !local.load_balanced || var.container_port != null
      error_message = "A load-balanced service needs container_port."
    }

    precondition {
      condition     = var.desired_count >= var.autoscaling.min_capacity && var.desired_count <= var.autoscaling.max_capacity
      error_message = "desired_count must lie between autoscaling.min_capacity and autoscaling.max_capacity."
    }
  }

  tags = var.tags
}

# --- Auto scaling ---------------------------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this.name}"
  min_capacity       = var.autoscaling.min_capacity
  max_capacity       = var.autoscaling.max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "cpu" {
  count = var.autoscaling.cpu_target_percent == null ? 0 : 1

  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  count = local.load_balanced && var.autoscaling.requests_per_target != null ? 1 : 0

  name               = "${var.name}-alb-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.load_balancer.alb_arn_suffix}/${var.load_balancer.target_group_arn_suffix}"
    }
  }
}
