output "api_url" {
  description = "Public URL of the API: the console's domain, whose CloudFront distribution routes /v1/* and /sdk.js to the ALB (the ALB itself admits only CloudFront)."
  value       = "https://${var.console_domain_name}"
}

output "alb_dns_name" {
  description = "DNS name of the ALB (target of the API domain's record)."
  value       = module.alb.dns_name
}

output "console_url" {
  description = "Public URL of the console."
  value       = "https://${var.console_domain_name}"
}

output "console_api_base_url" {
  description = "VITE_API_BASE_URL for the console build: empty when CloudFront routes /v1/* to the API (same origin), else the API's URL."
  value       = module.console.api_routed ? "" : "https://${var.api_domain_name}"
}

output "console_bucket" {
  description = "Bucket the deploy workflow syncs the built console into."
  value       = module.console.bucket_name
}

output "console_distribution_id" {
  description = "CloudFront distribution to invalidate after a console deploy."
  value       = module.console.distribution_id
}

output "console_distribution_domain_name" {
  description = "CloudFront domain (target of the console domain's record)."
  value       = module.console.distribution_domain_name
}

output "api_image" {
  description = "Image the api service runs."
  value       = module.api.image
}

output "worker_image" {
  description = "Image the worker service runs."
  value       = module.worker.image
}

output "exports_bucket" {
  description = "Bucket of the daily exports."
  value       = module.exports.bucket_name
}

output "mongodb_uri_secret_name" {
  description = "Secret holding the application's MongoDB URI (filled by the db-init task)."
  value       = module.secrets.names["mongodb-uri"]
}

output "database_endpoint" {
  description = "DocumentDB writer endpoint."
  value       = module.database.endpoint
}

output "database_master_secret_arn" {
  description = "RDS-managed secret with the DocumentDB master credentials."
  value       = module.database.master_user_secret_arn
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.observability.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = module.observability.dashboard_name
}

output "ecs_cluster_name" {
  description = "ECS cluster of the services and the db-init task."
  value       = module.ecs_cluster.name
}

output "service_names" {
  description = "ECS services the deploy workflow waits for: { api, worker }."
  value       = { api = module.api.service_name, worker = module.worker.service_name }
}

output "db_init_task" {
  description = "How to run the first-deploy db-init task: task family, subnets and security group (aws ecs run-task)."
  value = {
    family            = module.db_init.task_definition_family
    subnet_ids        = module.network.private_subnet_ids
    security_group_id = module.db_init.security_group_id
  }
}

output "mongodb_uri_secret_arn" {
  description = "ARN of the application's MongoDB URI secret (db-init fills it)."
  value       = module.secrets.arns["mongodb-uri"]
}

output "grafana" {
  description = "Amazon Managed Grafana and Prometheus: workspace id, endpoint, provisioner service account, Prometheus endpoint and region (for scripts/lib/infra-grafana-dashboards.sh)."
  value = {
    workspace_id        = module.metrics_workspace.grafana_workspace_id
    endpoint            = module.metrics_workspace.grafana_endpoint
    service_account_id  = module.metrics_workspace.provisioner_service_account_id
    prometheus_endpoint = module.metrics_workspace.prometheus_endpoint
    region              = module.metrics_workspace.region
  }
}

output "facts" {
  description = "Plan-time facts of the deployment that each environment's own tests assert (task counts, NAT gateways, alarm recipients, protection)."
  value = {
    api_min_tasks                = module.api.desired_count
    nat_gateway_count            = module.network.nat_gateway_count
    alarm_email_addresses        = var.alarm_email_addresses
    alarm_recipients             = module.observability.notification_endpoints
    alb_deletion_protection      = var.deletion_protection
    database_deletion_protection = var.deletion_protection
    database_instances           = length(module.database.instance_availability_zones)
    database_backup_days         = module.database.backup_retention_days
    database_backup_window       = module.database.preferred_backup_window
    alb_https_ingress            = module.alb.https_ingress
    alb_default_response         = module.alb.default_response
    alb_blocked_paths_response   = module.alb.blocked_paths_response
    edge_rate_limit              = module.edge_waf.rate_limit
  }
}
