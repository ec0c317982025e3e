data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name

  alb_dimensions    = { LoadBalancer = var.alb_arn_suffix }
  tg_dimensions     = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
  api_dimensions    = { Environment = var.environment, Service = var.api_metrics_service }
  worker_dimensions = { Environment = var.environment, Service = var.worker_metrics_service }

  alarm_actions = [aws_sns_topic.alarms.arn]

  docdb_enabled = var.docdb_cluster_id != null
  docdb_dims    = { DBClusterIdentifier = var.docdb_cluster_id }

  # ECS service ARNs of this cluster: arn:...:service/<cluster>/<service>.
  service_arn_prefix = "${replace(var.ecs_cluster_arn, ":cluster/", ":service/")}/"
}

# --- Notifications ---------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# Paging: PagerDuty's and Opsgenie's CloudWatch integrations are HTTPS
# endpoints that confirm the SNS subscription themselves.
resource "aws_sns_topic_subscription" "https" {
  for_each = toset(var.alarm_https_endpoints)

  topic_arn              = aws_sns_topic.alarms.arn
  protocol               = "https"
  endpoint               = each.value
  endpoint_auto_confirms = true
}

# Slack through AWS Chatbot (the Slack workspace is authorised once in the
# Chatbot console; docs/deploy.md).
resource "aws_iam_role" "chatbot" {
  count = var.alarm_slack == null ? 0 : 1

  permissions_boundary = var.permissions_boundary_arn
  name                 = "${var.name}-chatbot"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "chatbot.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_chatbot_slack_channel_configuration" "alarms" {
  count = var.alarm_slack == null ? 0 : 1

  configuration_name    = "${var.name}-alarms"
  iam_role_arn          = aws_iam_role.chatbot[0].arn
  slack_team_id         = var.alarm_slack.team_id
  slack_channel_id      = var.alarm_slack.channel_id
  sns_topic_arns        = [aws_sns_topic.alarms.arn]
  guardrail_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  logging_level         = "ERROR"
  tags                  = var.tags
}

# EventBridge (ECS deployment failures) may publish to the topic.
resource "aws_sns_topic_policy" "alarms" {
  arn = aws_sns_topic.alarms.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeDeploymentFailures"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.alarms.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.deployment_failed.arn } }
    }]
  })
}

# --- ECS deployments ----------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "deployment_failed" {
  name        = "${var.name}-ecs-deployment-failed"
  description = "An ECS deployment of a ${var.name} service failed (circuit breaker or alarm rollback)."
  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Deployment State Change"]
    resources     = [{ prefix = local.service_arn_prefix }]
    detail        = { eventName = ["SERVICE_DEPLOYMENT_FAILED"] }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "deployment_failed" {
  rule = aws_cloudwatch_event_rule.deployment_failed.name
  arn  = aws_sns_topic.alarms.arn
}

# --- ALB alarms ----------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "alb_5xx_rate" {
  alarm_name          = "${var.name}-alb-5xx-rate"
  alarm_description   = "More than ${var.alb_5xx_rate_percent}% of API requests answered 5xx (targets + ALB) for 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alb_5xx_rate_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)"
    label       = "5xx rate (%)"
    return_data = true
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "target5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "elb5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "alb_p99_latency" {
  alarm_name          = "${var.name}-alb-p99-latency"
  alarm_description   = "API p99 TargetResponseTime above ${var.alb_p99_latency_seconds}s for 10 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = local.tg_dimensions
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alb_p99_latency_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${var.name}-unhealthy-hosts"
  alarm_description   = "At least one API task fails the /readyz target health check for 3 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = local.tg_dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "healthy_hosts_low" {
  alarm_name          = "${var.name}-healthy-hosts-low"
  alarm_description   = "Fewer than ${var.min_healthy_hosts} healthy API tasks: one AZ no longer serves."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = local.tg_dimensions
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "LessThanThreshold"
  threshold           = var.min_healthy_hosts
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# --- Application alarms (custom metrics, see README: ADOT sidecar) -------------------

resource "aws_cloudwatch_metric_alarm" "queue_depth" {
  alarm_name          = "${var.name}-batcher-queue-depth"
  alarm_description   = "Batcher queue above ${var.queue_depth_threshold} events for 5 minutes: the store is not keeping up."
  namespace           = var.metrics_namespace
  metric_name         = "shoptrail_batcher_queue_depth_events"
  dimensions          = local.api_dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.queue_depth_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "store_down" {
  alarm_name          = "${var.name}-store-down"
  alarm_description   = "An API task reports shoptrail_store_up = 0: ingestion answers 503."
  namespace           = var.metrics_namespace
  metric_name         = "shoptrail_store_up"
  dimensions          = local.api_dimensions
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "batch_flush_failures" {
  alarm_name          = "${var.name}-batch-flush-failures"
  alarm_description   = "Batch flushes to the store keep failing (shoptrail_batch_flush_failures_total)."
  namespace           = var.metrics_namespace
  metric_name         = "shoptrail_batch_flush_failures_total"
  dimensions          = local.api_dimensions
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# --- Worker alarms (its own Service dimension, see var.worker_metrics_service) -----

resource "aws_cloudwatch_metric_alarm" "export_failed" {
  alarm_name          = "${var.name}-export-failed"
  alarm_description   = "A daily export failed (shoptrail_export_failures_total); the worker logs \"Export failed.\" with the date and error. Re-run it with POST /v1/exports."
  namespace           = var.metrics_namespace
  metric_name         = "shoptrail_export_failures_total"
  dimensions          = local.worker_dimensions
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# The gauge holds the Unix time of the last successful export; the alarm
# compares its age with the current time, so it also fires when the worker
# stops reporting (missing data is breaching).
resource "aws_cloudwatch_metric_alarm" "export_stale" {
  alarm_name          = "${var.name}-export-stale"
  alarm_description   = "No successful export for more than ${var.export_max_age_hours} hours, or no worker reports shoptrail_export_last_success_timestamp_seconds."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.export_max_age_hours * 3600
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "age"
    expression  = "EPOCH(last) - last"
    label       = "Seconds since the last successful export"
    return_data = true
  }

  metric_query {
    id = "last"
    metric {
      namespace   = var.metrics_namespace
      metric_name = "shoptrail_export_last_success_timestamp_seconds"
      dimensions  = local.worker_dimensions
      period      = 300
      stat        = "Maximum"
    }
  }

  tags = var.tags
}

# shoptrail_jobs_total{kind,outcome}: the sidecar publishes it per
# [Environment, Service, outcome] as well as per kind (ecs_service
# metric_declarations), so one alarm covers every job kind.
resource "aws_cloudwatch_metric_alarm" "jobs_failed" {
  alarm_name          = "${var.name}-jobs-failed"
  alarm_description   = "Background jobs gave up after their last attempt (shoptrail_jobs_total, outcome=failed). See GET /v1/jobs?status=failed; retry with POST /v1/jobs/{id}/retry."
  namespace           = var.metrics_namespace
  metric_name         = "shoptrail_jobs_total"
  dimensions          = merge(local.worker_dimensions, { outcome = "failed" })
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# The worker is one task with no load balancer: nothing else notices when it
# stops (a stale export would show it a day later). Container Insights counts
# its running tasks; no data (the service is gone) also alarms.
resource "aws_cloudwatch_metric_alarm" "worker_not_running" {
  alarm_name          = "${var.name}-worker-not-running"
  alarm_description   = "Fewer than ${var.worker_min_running_tasks} worker task(s) running for 3 minutes: jobs and exports have stopped."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = var.ecs_cluster_name, ServiceName = var.worker_service_name }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "LessThanThreshold"
  threshold           = var.worker_min_running_tasks
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# --- DocumentDB ----------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "docdb_cpu" {
  count = local.docdb_enabled ? 1 : 0

  alarm_name          = "${var.name}-docdb-cpu"
  alarm_description   = "DocumentDB CPU above ${var.docdb_cpu_percent}% for 15 minutes."
  namespace           = "AWS/DocDB"
  metric_name         = "CPUUtilization"
  dimensions          = local.docdb_dims
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.docdb_cpu_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "docdb_memory" {
  count = local.docdb_enabled ? 1 : 0

  alarm_name          = "${var.name}-docdb-freeable-memory"
  alarm_description   = "DocumentDB freeable memory below ${var.docdb_min_freeable_memory_mib} MiB for 15 minutes."
  namespace           = "AWS/DocDB"
  metric_name         = "FreeableMemory"
  dimensions          = local.docdb_dims
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "LessThanThreshold"
  threshold           = var.docdb_min_freeable_memory_mib * 1024 * 1024
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "docdb_connections" {
  count = local.docdb_enabled ? 1 : 0

  alarm_name          = "${var.name}-docdb-connections"
  alarm_description   = "More than ${var.docdb_max_connections} DocumentDB connections for 10 minutes (pool leak or runaway scaling)."
  namespace           = "AWS/DocDB"
  metric_name         = "DatabaseConnections"
  dimensions          = local.docdb_dims
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.docdb_max_connections
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "docdb_replica_lag" {
  count = local.docdb_enabled ? 1 : 0

  alarm_name          = "${var.name}-docdb-replica-lag"
  alarm_description   = "A DocumentDB replica lags the primary by more than ${var.docdb_max_replica_lag_ms} ms for 10 minutes (reads with secondaryPreferred are stale)."
  namespace           = "AWS/DocDB"
  metric_name         = "DBClusterReplicaLagMaximum"
  dimensions          = local.docdb_dims
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.docdb_max_replica_lag_ms
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# --- Dashboard -----------------------------------------------------------------------
# The CloudWatch twin of docker/grafana/dashboards/shoptrail-service-health.json.

locals {
  ns = var.metrics_namespace
  ad = ["Environment", var.environment, "Service", var.api_metrics_service]
  wd = ["Environment", var.environment, "Service", var.worker_metrics_service]

  worker_search = "Environment=\"${var.environment}\" Service=\"${var.worker_metrics_service}\""

  dashboard_widgets = [
    { type = "text", x = 0, y = 0, width = 24, height = 2, properties = {
      markdown = "## Shoptrail ${var.environment}: service health\nALB and ECS metrics are AWS-native; `shoptrail_*` metrics come from the Prometheus endpoints of the API and the worker via their ADOT sidecars (namespace `${local.ns}`). Alarms notify SNS topic `${aws_sns_topic.alarms.name}`."
    } },
    { type = "metric", x = 0, y = 2, width = 8, height = 6, properties = {
      title = "Requests (ALB)", region = local.region, view = "timeSeries", stat = "Sum", period = 60
      metrics = [
        ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix, { label = "requests/min" }],
      ]
    } },
    { type = "metric", x = 8, y = 2, width = 8, height = 6, properties = {
      title = "5xx rate (%)", region = local.region, view = "timeSeries", period = 60
      metrics = [
        [{ expression = "IF(req > 0, 100 * (FILL(t5, 0) + FILL(e5, 0)) / req, 0)", label = "5xx %", id = "rate" }],
        ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix, { id = "req", stat = "Sum", visible = false }],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix, { id = "t5", stat = "Sum", visible = false }],
        ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.alb_arn_suffix, { id = "e5", stat = "Sum", visible = false }],
      ]
      annotations = { horizontal = [{ label = "alarm", value = var.alb_5xx_rate_percent }] }
    } },
    { type = "metric", x = 16, y = 2, width = 8, height = 6, properties = {
      title = "Latency p50 / p99 (ALB TargetResponseTime)", region = local.region, view = "timeSeries", period = 60
      metrics = [
        ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.target_group_arn_suffix, { stat = "p50", label = "p50" }],
        ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.target_group_arn_suffix, { stat = "p99", label = "p99" }],
      ]
      annotations = { horizontal = [{ label = "p99 alarm", value = var.alb_p99_latency_seconds }] }
    } },
    { type = "metric", x = 0, y = 8, width = 8, height = 6, properties = {
      title = "Healthy / unhealthy API tasks", region = local.region, view = "timeSeries", period = 60
      metrics = [
        ["AWS/ApplicationELB", "HealthyHostCount", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.target_group_arn_suffix, { stat = "Minimum", label = "healthy" }],
        ["AWS/ApplicationELB", "UnHealthyHostCount", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.target_group_arn_suffix, { stat = "Maximum", label = "unhealthy" }],
      ]
    } },
    { type = "metric", x = 8, y = 8, width = 8, height = 6, properties = {
      title = "Store up (min over API tasks)", region = local.region, view = "timeSeries", period = 60, stat = "Minimum"
      metrics = [
        concat([local.ns, "shoptrail_store_up"], local.ad, [{ label = "store_up" }]),
      ]
      yAxis = { left = { min = 0, max = 1 } }
    } },
    { type = "metric", x = 16, y = 8, width = 8, height = 6, properties = {
      title = "ECS CPU / memory (api)", region = local.region, view = "timeSeries", period = 60, stat = "Average"
      metrics = [
        ["AWS/ECS", "CPUUtilization", "ClusterName", var.ecs_cluster_name, "ServiceName", var.api_service_name, { label = "CPU %" }],
        ["AWS/ECS", "MemoryUtilization", "ClusterName", var.ecs_cluster_name, "ServiceName", var.api_service_name, { label = "memory %" }],
      ]
    } },
    { type = "metric", x = 0, y = 14, width = 8, height = 6, properties = {
      title = "Events by outcome (per minute)", region = local.region, view = "timeSeries", period = 60, stat = "Sum", stacked = true
      metrics = [
        for outcome in ["accepted", "duplicate", "rejected"] :
        concat([local.ns, "shoptrail_ingest_events_total"], local.ad, ["outcome", outcome, { label = outcome }])
      ]
    } },
    { type = "metric", x = 8, y = 14, width = 8, height = 6, properties = {
      title = "Batcher queue depth (max)", region = local.region, view = "timeSeries", period = 60, stat = "Maximum"
      metrics = [
        concat([local.ns, "shoptrail_batcher_queue_depth_events"], local.ad, [{ label = "queued events" }]),
      ]
      annotations = { horizontal = [{ label = "alarm", value = var.queue_depth_threshold }] }
    } },
    { type = "metric", x = 16, y = 14, width = 8, height = 6, properties = {
      title = "Batch flush: mean latency, mean size, failures", region = local.region, view = "timeSeries", period = 60
      metrics = [
        concat([local.ns, "shoptrail_batch_flush_duration_seconds"], local.ad, [{ stat = "Average", label = "flush seconds (mean)" }]),
        concat([local.ns, "shoptrail_batch_size_events"], local.ad, [{ stat = "Average", label = "events per batch (mean)", yAxis = "right" }]),
        concat([local.ns, "shoptrail_batch_flush_failures_total"], local.ad, [{ stat = "Sum", label = "flush failures", yAxis = "right" }]),
      ]
    } },
    { type = "metric", x = 0, y = 20, width = 12, height = 6, properties = {
      title = "API request rate and mean latency (app histogram)", region = local.region, view = "timeSeries", period = 60
      metrics = [
        concat([local.ns, "shoptrail_http_requests_total"], local.ad, [{ stat = "Sum", label = "requests/min" }]),
        concat([local.ns, "shoptrail_http_request_duration_seconds"], local.ad, [{ stat = "Average", label = "mean seconds", yAxis = "right" }]),
      ]
    } },
    { type = "alarm", x = 12, y = 20, width = 12, height = 6, properties = {
      title = "Alarms"
      alarms = [
        aws_cloudwatch_metric_alarm.alb_5xx_rate.arn,
        aws_cloudwatch_metric_alarm.alb_p99_latency.arn,
        aws_cloudwatch_metric_alarm.unhealthy_hosts.arn,
        aws_cloudwatch_metric_alarm.healthy_hosts_low.arn,
        aws_cloudwatch_metric_alarm.queue_depth.arn,
        aws_cloudwatch_metric_alarm.store_down.arn,
        aws_cloudwatch_metric_alarm.batch_flush_failures.arn,
        aws_cloudwatch_metric_alarm.export_failed.arn,
        aws_cloudwatch_metric_alarm.export_stale.arn,
        aws_cloudwatch_metric_alarm.jobs_failed.arn,
        aws_cloudwatch_metric_alarm.worker_not_running.arn,
      ]
    } },

    # --- Worker: jobs and the daily export -------------------------------------------
    { type = "text", x = 0, y = 26, width = 24, height = 2, properties = {
      markdown = "## Worker\nBackground jobs and the daily S3 export (`Service = ${var.worker_metrics_service}`). Per-kind series are found with SEARCH, so new job kinds appear without a change here."
    } },
    { type = "metric", x = 0, y = 28, width = 8, height = 6, properties = {
      title = "Job outcomes by kind (per minute)", region = local.region, view = "timeSeries", stacked = true
      metrics = [
        [{ id = "outcomes", expression = "SEARCH('{${local.ns},Environment,Service,kind,outcome} MetricName=\"shoptrail_jobs_total\" ${local.worker_search}', 'Sum', 60)" }],
      ]
    } },
    { type = "metric", x = 8, y = 28, width = 8, height = 6, properties = {
      title = "Jobs queued by kind (max)", region = local.region, view = "timeSeries"
      metrics = [
        [{ id = "queued", expression = "SEARCH('{${local.ns},Environment,Service,kind} MetricName=\"shoptrail_jobs_queued\" ${local.worker_search}', 'Maximum', 60)" }],
      ]
    } },
    { type = "metric", x = 16, y = 28, width = 8, height = 6, properties = {
      title = "Job duration by kind (mean seconds)", region = local.region, view = "timeSeries"
      metrics = [
        [{ id = "duration", expression = "SEARCH('{${local.ns},Environment,Service,kind} MetricName=\"shoptrail_job_duration_seconds\" ${local.worker_search}', 'Average', 300)" }],
      ]
    } },
    { type = "metric", x = 0, y = 34, width = 8, height = 6, properties = {
      title = "Since the last successful export (hours) / last exported day (days ago)", region = local.region, view = "timeSeries", period = 300
      metrics = [
        [{ id = "age", expression = "(EPOCH(last) - last) / 3600", label = "hours since last success" }],
        [{ id = "lag", expression = "(EPOCH(day) - day) / 86400", label = "days since the last exported day", yAxis = "right" }],
        concat([local.ns, "shoptrail_export_last_success_timestamp_seconds"], local.wd, [{ id = "last", stat = "Maximum", visible = false }]),
        concat([local.ns, "shoptrail_export_last_success_date_seconds"], local.wd, [{ id = "day", stat = "Maximum", visible = false }]),
      ]
      annotations = { horizontal = [{ label = "stale alarm", value = var.export_max_age_hours }] }
    } },
    { type = "metric", x = 8, y = 34, width = 8, height = 6, properties = {
      title = "Exported events and export failures", region = local.region, view = "timeSeries", period = 300, stat = "Sum"
      metrics = [
        concat([local.ns, "shoptrail_export_events_total"], local.wd, [{ label = "exported events" }]),
        concat([local.ns, "shoptrail_export_failures_total"], local.wd, [{ label = "export failures", yAxis = "right" }]),
      ]
    } },
    { type = "metric", x = 16, y = 34, width = 8, height = 6, properties = {
      title = "ECS CPU / memory (worker)", region = local.region, view = "timeSeries", period = 60, stat = "Average"
      metrics = [
        ["AWS/ECS", "CPUUtilization", "ClusterName", var.ecs_cluster_name, "ServiceName", var.worker_service_name, { label = "CPU %" }],
        ["AWS/ECS", "MemoryUtilization", "ClusterName", var.ecs_cluster_name, "ServiceName", var.worker_service_name, { label = "memory %" }],
      ]
    } },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name}-service-health"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
