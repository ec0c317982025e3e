# Thin root of the staging environment: one call of the composition module with
# this environment's values (terraform.tfvars). Resources are defined in
# terraform/stacks/shoptrail, never here.

module "shoptrail" {
  source = "../../terraform/stacks/shoptrail"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  environment                   = var.environment
  aws_region                    = var.aws_region
  aws_account_id                = var.aws_account_id
  availability_zones            = var.availability_zones
  vpc_cidr                      = var.vpc_cidr
  single_nat_gateway            = var.single_nat_gateway
  image_tag                     = var.image_tag
  ecr_account_id                = var.ecr_account_id
  api_repository_name           = var.api_repository_name
  worker_repository_name        = var.worker_repository_name
  api_domain_name               = var.api_domain_name
  api_certificate_arn           = var.api_certificate_arn
  console_domain_name           = var.console_domain_name
  console_certificate_arn       = var.console_certificate_arn
  route53_zone_id               = var.route53_zone_id
  api_cpu                       = var.api_cpu
  api_memory                    = var.api_memory
  api_desired_count             = var.api_desired_count
  api_max_count                 = var.api_max_count
  api_requests_per_target       = var.api_requests_per_target
  worker_cpu                    = var.worker_cpu
  worker_memory                 = var.worker_memory
  worker_desired_count          = var.worker_desired_count
  import_bucket_arns            = var.import_bucket_arns
  docdb_instance_class          = var.docdb_instance_class
  docdb_instance_count          = var.docdb_instance_count
  docdb_backup_retention_days   = var.docdb_backup_retention_days
  docdb_backup_window           = var.docdb_backup_window
  deletion_protection           = var.deletion_protection
  force_destroy_buckets         = var.force_destroy_buckets
  log_retention_days            = var.log_retention_days
  access_log_retention_days     = var.access_log_retention_days
  exports_expiration_days       = var.exports_expiration_days
  exports_transition_to_ia_days = var.exports_transition_to_ia_days
  origin_verify_secret          = var.origin_verify_secret
  waf_rate_limit_per_5_minutes  = var.waf_rate_limit_per_5_minutes
  alarm_email_addresses         = var.alarm_email_addresses
  alarm_https_endpoints         = var.alarm_https_endpoints
  alarm_slack                   = var.alarm_slack
  bootstrap                     = var.bootstrap
  alarm_p99_latency_seconds     = var.alarm_p99_latency_seconds
  offline_plan                  = var.offline_plan
}
