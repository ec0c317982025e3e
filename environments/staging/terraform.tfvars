# staging: production-shaped (NAT per AZ, deletion protection) at smaller scale.
environment = "staging"
aws_region  = "eu-west-1"
# One AWS account per environment (docs/deploy.md); images come from the
# tooling account of environments/global.
aws_account_id = "222222222222"
ecr_account_id = "999999999999"

availability_zones = ["eu-west-1a", "eu-west-1b"]
vpc_cidr           = "10.20.0.0/16"
single_nat_gateway = false

api_domain_name         = "api.staging.shoptrail.example.com"
api_certificate_arn     = "arn:aws:acm:eu-west-1:222222222222:certificate/00000000-0000-4000-8000-000000000003"
console_domain_name     = "console.staging.shoptrail.example.com"
console_certificate_arn = "arn:aws:acm:us-east-1:222222222222:certificate/00000000-0000-4000-8000-000000000004"

api_cpu                 = 1024
api_memory              = 2048
api_desired_count       = 2
api_max_count           = 6
api_requests_per_target = 2000

worker_cpu           = 512
worker_memory        = 1024
worker_desired_count = 1

docdb_instance_class        = "db.r6g.large"
docdb_instance_count        = 2
docdb_backup_retention_days = 7
docdb_backup_window         = "02:00-03:00"

deletion_protection           = true
force_destroy_buckets         = false
log_retention_days            = 365
access_log_retention_days     = 90
exports_transition_to_ia_days = 30
exports_expiration_days       = 90

waf_rate_limit_per_5_minutes = 20000
alarm_email_addresses        = ["staging-alerts@shoptrail.example.com"]
# Paging: a PagerDuty or Opsgenie CloudWatch integration URL (https://...).
alarm_https_endpoints     = []
alarm_p99_latency_seconds = 1
