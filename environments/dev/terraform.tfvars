# dev: smallest footprint. One NAT gateway, smallest task and database sizes,
# buckets removable. Replace account id, domains and certificate ARNs with yours.
environment = "dev"
aws_region  = "eu-west-1"
# One AWS account per environment (docs/deploy.md); images come from the
# tooling account of environments/global.
aws_account_id = "111111111111"
ecr_account_id = "999999999999"

availability_zones = ["eu-west-1a", "eu-west-1b"]
vpc_cidr           = "10.10.0.0/16"
single_nat_gateway = true

api_domain_name         = "api.dev.shoptrail.example.com"
api_certificate_arn     = "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000001"
console_domain_name     = "console.dev.shoptrail.example.com"
console_certificate_arn = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000002"

api_cpu                 = 512
api_memory              = 1024
api_desired_count       = 2
api_max_count           = 4
api_requests_per_target = 2000

worker_cpu           = 256
worker_memory        = 512
worker_desired_count = 1

docdb_instance_class        = "db.t4g.medium"
docdb_instance_count        = 2
docdb_backup_retention_days = 7
docdb_backup_window         = "02:00-03:00"

deletion_protection       = false
force_destroy_buckets     = true
log_retention_days        = 365
access_log_retention_days = 30
# Exports live 14 days in dev: too short for STANDARD_IA (30-day minimum), so
# they stay in STANDARD; S3 refuses an expiration that is not after the transition.
exports_expiration_days       = 14
exports_transition_to_ia_days = null

waf_rate_limit_per_5_minutes = 20000
alarm_email_addresses        = ["dev-alerts@shoptrail.example.com"]
# Paging: a PagerDuty or Opsgenie CloudWatch integration URL (https://...).
alarm_https_endpoints     = []
alarm_p99_latency_seconds = 2
