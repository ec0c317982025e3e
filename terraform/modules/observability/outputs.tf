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
    ],
  )
}
