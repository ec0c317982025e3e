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
  kms_key_arn             = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
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

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.export_failed) == 0 && length(aws_cloudwatch_metric_alarm.export_stale) == 0
    error_message = "No export alarms until the worker exposes export metrics."
  }
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
      ], m)
    ])
    error_message = "The dashboard may only reference metrics the api exposes."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) >= 10
    error_message = "The dashboard has its widgets."
  }
}

run "export_alarms_once_metrics_exist" {
  command = plan

  variables {
    export_metrics = {
      failures_metric_name     = "export_failures_metric"
      last_success_metric_name = "export_last_success_metric"
    }
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.export_failed) == 1 && length(aws_cloudwatch_metric_alarm.export_stale) == 1
    error_message = "Both export alarms exist once the metric names are given."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.export_stale[0].threshold == 26 * 3600 && aws_cloudwatch_metric_alarm.export_stale[0].treat_missing_data == "breaching"
    error_message = "The stale-export alarm fires after 26 hours or when the gauge goes silent."
  }
}
