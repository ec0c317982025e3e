output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "alarm_names" {
  description = "Names of all alarms of the module."
  value = concat(
    [
      aws_cloudwatch_metric_alarm.alb_5xx_rate.alarm_name,
      aws_cloudwatch_metric_alarm.alb_p99_latency.alarm_name,
      aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name,
      aws_cloudwatch_metric_alarm.healthy_hosts_low.alarm_name,
      aws_cloudwatch_metric_alarm.queue_depth.alarm_name,
      aws_cloudwatch_metric_alarm.store_down.alarm_name,
      aws_cloudwatch_metric_alarm.batch_flush_failures.alarm_name,
      aws_cloudwatch_metric_alarm.export_failed.alarm_name,
      aws_cloudwatch_metric_alarm.export_stale.alarm_name,
      aws_cloudwatch_metric_alarm.jobs_failed.alarm_name,
      aws_cloudwatch_metric_alarm.worker_not_running.alarm_name,
    ],
    aws_cloudwatch_metric_alarm.docdb_cpu[*].alarm_name,
    aws_cloudwatch_metric_alarm.docdb_memory[*].alarm_name,
    aws_cloudwatch_metric_alarm.docdb_connections[*].alarm_name,
    aws_cloudwatch_metric_alarm.docdb_replica_lag[*].alarm_name,
  )
}

output "alb_5xx_alarm_name" {
  description = "Name of the ALB 5xx-rate alarm (the api's deployment alarm)."
  value       = aws_cloudwatch_metric_alarm.alb_5xx_rate.alarm_name
}

output "worker_not_running_alarm_name" {
  description = "Name of the worker-not-running alarm."
  value       = aws_cloudwatch_metric_alarm.worker_not_running.alarm_name
}

output "notification_endpoints" {
  description = "Who the alarm topic reaches: e-mail addresses, HTTPS (PagerDuty/Opsgenie) endpoints, Slack channel."
  value = {
    email = sort([for s in aws_sns_topic_subscription.email : s.endpoint])
    https = sort([for s in aws_sns_topic_subscription.https : s.endpoint])
    slack = try(aws_chatbot_slack_channel_configuration.alarms[0].slack_channel_id, null)
  }
}

output "deployment_failure_events" {
  description = "Event pattern of the rule sending ECS deployment failures to the alarm topic."
  value       = aws_cloudwatch_event_rule.deployment_failed.event_pattern
}

output "role_permissions_boundaries" {
  description = "Permissions boundary of each role the module creates."
  value       = [for r in flatten([aws_iam_role.chatbot]) : r.permissions_boundary]
}
