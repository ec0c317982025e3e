mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name                    = "shoptrail-test"
  environment             = "test"
  alb_arn_suffix          = "app/shoptrail-test-api/0123456789abcdef"
  target_group_arn_suffix = "targetgroup/shoptrail-test-api-tg/0123456789abcdef"
  ecs_cluster_name        = "shoptrail-test"
  api_service_name        = "shoptrail-test-api"
  worker_service_name     = "shoptrail-test-worker"
  kms_key_arn             = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  ecs_cluster_arn         = "arn:aws:ecs:eu-west-1:123456789012:cluster/shoptrail-test"
}

run "alarms_cover_the_api" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.alb_p99_latency.extended_statistic == "p99" && aws_cloudwatch_metric_alarm.alb_p99_latency.metric_name == "TargetResponseTime"
    error_message = "p99 TargetResponseTime alarm."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.unhealthy_hosts.metric_name == "UnHealthyHostCount"
    error_message = "Unhealthy host alarm."
  }

  assert {
    condition     = contains([for q in aws_cloudwatch_metric_alarm.alb_5xx_rate.metric_query : q.id], "rate")
    error_message = "5xx rate is a metric-math alarm."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.queue_depth.namespace == "Shoptrail" && aws_cloudwatch_metric_alarm.queue_depth.metric_name == "shoptrail_batcher_queue_depth_events"
    error_message = "Queue depth alarm on the app's gauge."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.store_down.metric_name == "shoptrail_store_up"
    error_message = "Store-down alarm on shoptrail_store_up."
  }

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == var.kms_key_arn
    error_message = "The alarm topic is KMS-encrypted."
  }
}

run "worker_alarms_use_the_contract_metric_names" {
  command = plan

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.export_failed.metric_name == "shoptrail_export_failures_total"
      && aws_cloudwatch_metric_alarm.export_failed.namespace == "Shoptrail"
      && aws_cloudwatch_metric_alarm.export_failed.statistic == "Sum"
      && aws_cloudwatch_metric_alarm.export_failed.comparison_operator == "GreaterThanThreshold"
      && aws_cloudwatch_metric_alarm.export_failed.threshold == 0
      && aws_cloudwatch_metric_alarm.export_failed.dimensions == tomap({ Environment = "test", Service = "worker" })
    )
    error_message = "Export-failed alarm: any shoptrail_export_failures_total of the worker."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.export_stale.threshold == 26 * 3600
      && aws_cloudwatch_metric_alarm.export_stale.treat_missing_data == "breaching"
      && one([for q in aws_cloudwatch_metric_alarm.export_stale.metric_query : q.expression if q.id == "age"]) == "EPOCH(last) - last"
      && one([for q in aws_cloudwatch_metric_alarm.export_stale.metric_query : one(q.metric).metric_name if q.id == "last"]) == "shoptrail_export_last_success_timestamp_seconds"
      && one([for q in aws_cloudwatch_metric_alarm.export_stale.metric_query : one(q.metric).stat if q.id == "last"]) == "Maximum"
      && one([for q in aws_cloudwatch_metric_alarm.export_stale.metric_query : one(q.metric).dimensions if q.id == "last"]) == tomap({ Environment = "test", Service = "worker" })
    )
    error_message = "The stale-export alarm fires after 26 hours since the last success, or when the gauge goes silent."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.jobs_failed.metric_name == "shoptrail_jobs_total"
      && aws_cloudwatch_metric_alarm.jobs_failed.statistic == "Sum"
      && aws_cloudwatch_metric_alarm.jobs_failed.threshold == 0
      && aws_cloudwatch_metric_alarm.jobs_failed.dimensions == tomap({ Environment = "test", Service = "worker", outcome = "failed" })
    )
    error_message = "Jobs-failed alarm on shoptrail_jobs_total{outcome=failed} over every kind (the [Environment, Service, outcome] dimension set)."
  }

  assert {
    condition     = length(output.alarm_names) == 11 && contains(output.alarm_names, "shoptrail-test-jobs-failed")
    error_message = "All ten alarms are listed."
  }
}

run "worker_alarm_settings" {
  command = plan

  variables {
    worker_metrics_service = "jobs"
    export_max_age_hours   = 50
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.export_stale.threshold == 50 * 3600 && aws_cloudwatch_metric_alarm.export_failed.dimensions.Service == "jobs" && aws_cloudwatch_metric_alarm.jobs_failed.dimensions.Service == "jobs"
    error_message = "Threshold and Service dimension follow the variables."
  }

  assert {
    condition     = strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "Service=\\\"jobs\\\"")
    error_message = "The dashboard's worker SEARCH expressions use the worker's Service dimension."
  }
}

run "rejects_a_zero_export_age" {
  command = plan

  variables {
    export_max_age_hours = 0
  }

  expect_failures = [var.export_max_age_hours]
}

run "dashboard_uses_only_known_metric_names" {
  command = plan

  assert {
    condition = alltrue([
      for m in regexall("shoptrail_[a-z_]+", aws_cloudwatch_dashboard.this.dashboard_body) :
      contains([
        "shoptrail_http_requests_total", "shoptrail_http_request_duration_seconds", "shoptrail_ingest_events_total",
        "shoptrail_batch_size_events", "shoptrail_batch_flush_duration_seconds", "shoptrail_batch_flush_failures_total",
        "shoptrail_batcher_queue_depth_events", "shoptrail_store_up",
        "shoptrail_jobs_total", "shoptrail_job_duration_seconds", "shoptrail_jobs_queued",
        "shoptrail_export_failures_total", "shoptrail_export_events_total",
        "shoptrail_export_last_success_timestamp_seconds", "shoptrail_export_last_success_date_seconds",
      ], m)
    ])
    error_message = "The dashboard may only reference metrics the api and the worker expose."
  }

  assert {
    condition     = length(distinct(regexall("shoptrail_[a-z_]+", aws_cloudwatch_dashboard.this.dashboard_body))) == 15
    error_message = "Every exposed metric is on the dashboard."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) >= 17
    error_message = "The dashboard has its api and worker widgets."
  }

  assert {
    condition = anytrue([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets :
      w.type == "metric" && strcontains(jsonencode(w.properties), "\"ServiceName\",\"shoptrail-test-worker\"")
    ])
    error_message = "A widget shows the worker service's ECS CPU and memory."
  }

  assert {
    condition     = one([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : length(w.properties.alarms) if w.type == "alarm"]) == 11
    error_message = "The alarm widget lists every alarm."
  }
}

run "alarms_reach_a_person" {
  command = plan

  variables {
    alarm_email_addresses = ["oncall@example.com"]
    alarm_https_endpoints = ["https://events.pagerduty.com/integration/0123456789abcdef/enqueue"]
    alarm_slack           = { team_id = "T0123456", channel_id = "C0123456" }
  }

  assert {
    condition = (
      output.notification_endpoints.email == tolist(["oncall@example.com"])
      && output.notification_endpoints.https == tolist(["https://events.pagerduty.com/integration/0123456789abcdef/enqueue"])
      && output.notification_endpoints.slack == "C0123456"
    )
    error_message = "The topic reaches e-mail, the paging endpoint and Slack."
  }

  assert {
    condition     = aws_sns_topic_subscription.https["https://events.pagerduty.com/integration/0123456789abcdef/enqueue"].protocol == "https"
    error_message = "PagerDuty/Opsgenie are HTTPS subscriptions."
  }
}

run "rejects_a_plain_http_paging_endpoint" {
  command = plan

  variables {
    alarm_https_endpoints = ["http://example.com/hook"]
  }

  expect_failures = [var.alarm_https_endpoints]
}

run "database_worker_and_deployment_failures_alarm" {
  command = plan

  variables {
    docdb_cluster_id = "shoptrail-test"
  }

  assert {
    condition = alltrue([
      for a in ["docdb-cpu", "docdb-freeable-memory", "docdb-connections", "docdb-replica-lag", "worker-not-running"] :
      contains(output.alarm_names, "shoptrail-test-${a}")
    ])
    error_message = "DocumentDB CPU, memory, connections, replica lag and the worker's running count alarm."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.docdb_replica_lag[0].metric_name == "DBClusterReplicaLagMaximum" && aws_cloudwatch_metric_alarm.docdb_cpu[0].dimensions.DBClusterIdentifier == "shoptrail-test"
    error_message = "Database alarms watch the cluster."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.worker_not_running.metric_name == "RunningTaskCount"
      && aws_cloudwatch_metric_alarm.worker_not_running.dimensions.ServiceName == "shoptrail-test-worker"
      && aws_cloudwatch_metric_alarm.worker_not_running.treat_missing_data == "breaching"
    )
    error_message = "A stopped (or deleted) worker alarms within minutes, not a day later."
  }

  assert {
    condition = (
      jsondecode(output.deployment_failure_events).detail.eventName == ["SERVICE_DEPLOYMENT_FAILED"]
      && jsondecode(output.deployment_failure_events).resources[0].prefix == "arn:aws:ecs:eu-west-1:123456789012:service/shoptrail-test/"
    )
    error_message = "Failed ECS deployments of this cluster's services are sent to the alarm topic."
  }
}
