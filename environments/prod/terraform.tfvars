# prod: NAT per AZ, larger tasks and database, three instances, long retention.
environment = "prod"
aws_region  = "eu-west-1"
# One AWS account per environment (docs/deploy.md); images come from the
# tooling account of environments/global.
aws_account_id = "333333333333"
ecr_account_id = "999999999999"

availability_zones = ["eu-west-1a", "eu-west-1b"]
vpc_cidr           = "10.30.0.0/16"
single_nat_gateway = false

api_domain_name         = "api.shoptrail.example.com"
api_certificate_arn     = "arn:aws:acm:eu-west-1:333333333333:certificate/00000000-0000-4000-8000-000000000005"
console_domain_name     = "console.shoptrail.example.com"
console_certificate_arn = "arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-4000-8000-000000000006"

api_cpu                 = 1024
api_memory              = 2048
api_desired_count       = 3
api_max_count           = 12
api_requests_per_target = 3000

worker_cpu           = 1024
worker_memory        = 2048
worker_desired_count = 1

docdb_instance_class        = "db.r6g.large"
docdb_instance_count        = 3
docdb_backup_retention_days = 35
docdb_backup_window         = "01:30-02:30"

deletion_protection           = true
force_destroy_buckets         = false
log_retention_days            = 365
access_log_retention_days     = 365
exports_transition_to_ia_days = 30
exports_expiration_days       = null

waf_rate_limit_per_5_minutes = 50000
alarm_email_addresses        = ["oncall@shoptrail.example.com"]
# Paging: a PagerDuty or Opsgenie CloudWatch integration URL (https://...).
alarm_https_endpoints     = []
alarm_p99_latency_seconds = 1
