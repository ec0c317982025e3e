output "api_url" {
  description = "Public URL of the API: the console's domain, whose CloudFront distribution routes /v1/* and /sdk.js to the ALB (the ALB itself admits only CloudFront)."
  value       = module.shoptrail.api_url
}

output "alb_dns_name" {
  description = "DNS name of the ALB (target of the API domain's record)."
  value       = module.shoptrail.alb_dns_name
}

output "console_url" {
  description = "Public URL of the console."
  value       = module.shoptrail.console_url
}

output "console_api_base_url" {
  description = "VITE_API_BASE_URL for the console build: empty when CloudFront routes /v1/* to the API (same origin), else the API's URL."
  value       = module.shoptrail.console_api_base_url
}

output "console_bucket" {
  description = "Bucket the deploy workflow syncs the built console into."
  value       = module.shoptrail.console_bucket
}

output "console_distribution_id" {
  description = "CloudFront distribution to invalidate after a console deploy."
  value       = module.shoptrail.console_distribution_id
}

output "console_distribution_domain_name" {
  description = "CloudFront domain (target of the console domain's record)."
  value       = module.shoptrail.console_distribution_domain_name
}

output "api_image" {
  description = "Image the api service runs."
  value       = module.shoptrail.api_image
}

output "worker_image" {
  description = "Image the worker service runs."
  value       = module.shoptrail.worker_image
}

output "exports_bucket" {
  description = "Bucket of the daily exports."
  value       = module.shoptrail.exports_bucket
}

output "mongodb_uri_secret_name" {
  description = "Secret holding the application's MongoDB URI (filled by the db-init task)."
  value       = module.shoptrail.mongodb_uri_secret_name
}

output "database_endpoint" {
  description = "DocumentDB writer endpoint."
  value       = module.shoptrail.database_endpoint
}

output "database_master_secret_arn" {
  description = "RDS-managed secret with the DocumentDB master credentials."
  value       = module.shoptrail.database_master_secret_arn
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.shoptrail.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = module.shoptrail.dashboard_name
}

output "ecs_cluster_name" {
  description = "ECS cluster of the services and the db-init task."
  value       = module.shoptrail.ecs_cluster_name
}

output "service_names" {
  description = "ECS services the deploy workflow waits for: { api, worker }."
  value       = module.shoptrail.service_names
}

output "db_init_task" {
  description = "How to run the first-deploy db-init task: task family, subnets and security group (aws ecs run-task)."
  value       = module.shoptrail.db_init_task
}

output "mongodb_uri_secret_arn" {
  description = "ARN of the application's MongoDB URI secret (db-init fills it)."
  value       = module.shoptrail.mongodb_uri_secret_arn
}

output "grafana" {
  description = "Amazon Managed Grafana and Prometheus: workspace id, endpoint, provisioner service account, Prometheus endpoint and region (for scripts/lib/infra-grafana-dashboards.sh)."
  value       = module.shoptrail.grafana
}

output "facts" {
  description = "Plan-time facts of the deployment that each environment's own tests assert (task counts, NAT gateways, alarm recipients, protection)."
  value       = module.shoptrail.facts
}
