# The whole Shoptrail deployment of one environment: every environment root
# (environments/dev, staging, prod) calls this module with its own values.

locals {
  name = "shoptrail-${var.environment}"
  # Release images live in the tooling account's ECR (environments/global).
  registry = "${var.ecr_account_id}.dkr.ecr.${var.aws_region}.amazonaws.com"

  ecr_arns = {
    api    = "arn:aws:ecr:${var.aws_region}:${var.ecr_account_id}:repository/${var.api_repository_name}"
    worker = "arn:aws:ecr:${var.aws_region}:${var.ecr_account_id}:repository/${var.worker_repository_name}"
  }

  # Created by terraform/modules/deploy_account; the deploy role may only
  # create roles that carry it.
  permissions_boundary_arn = "arn:aws:iam::${var.aws_account_id}:policy/shoptrail-${var.environment}-workload-boundary"

  # Shared by api and worker: storage engine and telemetry settings.
  app_environment = {
    APP__STORAGE__ENGINE           = "mongodb"
    APP__STORAGE__MONGODB_DATABASE = "shoptrail"
    APP__TELEMETRY__LOG_FORMAT     = "json"
  }
  app_secrets = {
    APP__STORAGE__MONGODB_URI = module.secrets.arns["mongodb-uri"]
  }
  # The worker writes each day's export under this prefix of the exports
  # bucket; its task role may write and delete objects there only.
  exports_prefix = "daily"

  # Behind CloudFront: the ALB admits CloudFront's origin-facing addresses
  # carrying this header, and nothing else.
  origin_verify_header = "X-Shoptrail-Origin-Verify"
  # Offline plans cannot look the prefix list up; they show a placeholder.
  cloudfront_prefix_list_id = var.offline_plan ? "pl-offline-plan" : data.aws_ec2_managed_prefix_list.cloudfront[0].id
  cloudfront_cidrs          = var.offline_plan ? [] : [for e in data.aws_ec2_managed_prefix_list.cloudfront[0].entries : e.cidr]
  # X-Forwarded-For reaching a task: <viewer>, <CloudFront edge>, appended in
  # that order by CloudFront and the ALB. Trusting the VPC (only the ALB can
  # reach the tasks) and CloudFront's origin-facing ranges makes the app take
  # the viewer's address; anything a client wrote before it is not believed.
  trusted_proxies = join(",", concat([module.network.vpc_cidr_block], local.cloudfront_cidrs))
  worker_port     = 9090

  database_egress = {
    documentdb = {
      cidr_ipv4   = module.network.vpc_cidr_block
      port        = 27017
      description = "DocumentDB inside the VPC"
    }
  }
}

data "aws_ec2_managed_prefix_list" "cloudfront" {
  count = var.offline_plan ? 0 : 1

  name = "com.amazonaws.global.cloudfront.origin-facing"
}

module "kms" {
  source = "../../modules/kms"

  name       = local.name
  account_id = var.aws_account_id
}

module "logs" {
  source = "../../modules/log_bucket"

  bucket_name    = "${local.name}-logs-${var.aws_account_id}"
  account_id     = var.aws_account_id
  retention_days = var.access_log_retention_days
  force_destroy  = var.force_destroy_buckets
}

module "network" {
  source = "../../modules/network"

  name                    = local.name
  cidr_block              = var.vpc_cidr
  availability_zones      = var.availability_zones
  single_nat_gateway      = var.single_nat_gateway
  kms_key_arn             = module.kms.key_arn
  flow_log_retention_days = var.log_retention_days
}

module "alb" {
  source = "../../modules/alb"

  name                = "${local.name}-api"
  vpc_id              = module.network.vpc_id
  vpc_cidr_block      = module.network.vpc_cidr_block
  public_subnet_ids   = module.network.public_subnet_ids
  certificate_arn     = var.api_certificate_arn
  access_logs_bucket  = module.logs.bucket_name
  access_logs_prefix  = module.logs.alb_prefix
  deletion_protection = var.deletion_protection
  # Only CloudFront (origin-facing prefix list + secret header) reaches the ALB.
  ingress_prefix_list_id     = local.cloudfront_prefix_list_id
  origin_verify_header_name  = local.origin_verify_header
  origin_verify_header_value = var.origin_verify_secret
  blocked_paths              = ["/metrics", "/metrics/*"]
  waf = {
    # Peers are CloudFront edge nodes here: the per-IP limit is at the edge.
    rate_limit_per_5_minutes = null
    log_retention_days       = var.log_retention_days
    log_kms_key_arn          = module.kms.key_arn
  }
  dns = var.route53_zone_id == null ? null : { zone_id = var.route53_zone_id, name = var.api_domain_name }
}

module "ecs_cluster" {
  source = "../../modules/ecs_cluster"

  name               = local.name
  kms_key_arn        = module.kms.key_arn
  log_retention_days = var.log_retention_days
}

module "secrets" {
  source = "../../modules/secrets"

  name_prefix = "shoptrail/${var.environment}"
  kms_key_arn = module.kms.key_arn
  secrets = {
    "mongodb-uri" = "MongoDB URI of the shoptrail application user (DocumentDB: tls=true, tlsCAFile=/etc/ssl/certs/rds-global-bundle.pem, replicaSet=rs0, retryWrites=false). Set by an operator, see docs/deploy.md."
  }
}

module "api" {
  source = "../../modules/ecs_service"

  permissions_boundary_arn = local.permissions_boundary_arn

  name                = "${local.name}-api"
  cluster_arn         = module.ecs_cluster.arn
  cluster_name        = module.ecs_cluster.name
  image               = "${local.registry}/${var.api_repository_name}:${var.image_tag}"
  ecr_repository_arns = [local.ecr_arns.api]
  container_port      = 8080
  cpu                 = var.api_cpu
  memory              = var.api_memory
  # Jobs run in the worker service, not inside the api tasks. Only the ALB can
  # reach the tasks (security group) and only CloudFront the ALB, so the
  # viewer's address is the last one neither of them wrote (local.trusted_proxies).
  environment = merge(local.app_environment, {
    APP__SERVER__HOST            = "0.0.0.0"
    APP__SERVER__PORT            = "8080"
    APP__SERVER__TRUSTED_PROXIES = local.trusted_proxies
    APP__SERVER__CONSOLE_DIR     = ""
    APP__WORKER__IN_PROCESS      = "false"
    # Import files uploaded through the API wait under the export destination
    # (`_imports/uploads/`) until the worker reads them.
    APP__EXPORT__DESTINATION = "s3://${module.exports.bucket_name}/${local.exports_prefix}"
  })
  secrets             = local.app_secrets
  secrets_kms_key_arn = module.kms.key_arn
  health_check = {
    command = ["CMD", "curl", "--fail", "--silent", "--max-time", "2", "http://127.0.0.1:8080/healthz"]
  }

  # The api only stores uploaded import files and checks that one exists.
  task_role_statements = [
    {
      sid       = "ListImportUploads"
      actions   = ["s3:ListBucket"]
      resources = [module.exports.bucket_arn]
    },
    {
      sid       = "WriteImportUploads"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
      resources = ["${module.exports.bucket_arn}/${local.exports_prefix}/_imports/uploads/*"]
    },
    {
      sid       = "EncryptImportUploads"
      actions   = ["kms:GenerateDataKey"]
      resources = [module.kms.key_arn]
    },
  ]

  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  ingress_security_group_ids = { alb = module.alb.security_group_id }
  egress_rules               = local.database_egress

  desired_count = var.bootstrap ? 0 : var.api_desired_count
  autoscaling = {
    min_capacity        = var.bootstrap ? 0 : var.api_desired_count
    max_capacity        = var.api_max_count
    cpu_target_percent  = 60
    requests_per_target = var.api_requests_per_target
  }
  load_balancer = {
    target_group_arn        = module.alb.target_group_arn
    target_group_arn_suffix = module.alb.target_group_arn_suffix
    alb_arn_suffix          = module.alb.arn_suffix
  }
  wait_for_steady_state = true
  # Names, not references: the alarms name the services in their dimensions.
  deployment_alarm_names = ["${local.name}-alb-5xx-rate"]

  log_kms_key_arn    = module.kms.key_arn
  log_retention_days = var.log_retention_days
  metrics_sidecar = {
    environment = var.environment
    service     = "api"
    remote_write = {
      endpoint      = module.metrics_workspace.prometheus_endpoint
      workspace_arn = module.metrics_workspace.prometheus_workspace_arn
    }
  }
}

module "worker" {
  source = "../../modules/ecs_service"

  permissions_boundary_arn = local.permissions_boundary_arn

  name                = "${local.name}-worker"
  cluster_arn         = module.ecs_cluster.arn
  cluster_name        = module.ecs_cluster.name
  image               = "${local.registry}/${var.worker_repository_name}:${var.image_tag}"
  ecr_repository_arns = [local.ecr_arns.worker]
  cpu                 = var.worker_cpu
  memory              = var.worker_memory
  # No container_port and no ingress: the worker's listener (health, metrics)
  # is on the loopback interface, for the health check and the sidecar only.
  environment = merge(local.app_environment, {
    APP__EXPORT__DESTINATION = "s3://${module.exports.bucket_name}/${local.exports_prefix}"
    APP__WORKER__LISTEN_ADDR = "127.0.0.1:${local.worker_port}"
  })
  secrets             = local.app_secrets
  secrets_kms_key_arn = module.kms.key_arn
  health_check = {
    command = ["CMD", "curl", "--fail", "--silent", "--max-time", "2", "http://127.0.0.1:${local.worker_port}/healthz"]
  }

  vpc_id       = module.network.vpc_id
  subnet_ids   = module.network.private_subnet_ids
  egress_rules = local.database_egress

  desired_count = var.bootstrap ? 0 : var.worker_desired_count
  autoscaling = {
    min_capacity       = var.bootstrap ? 0 : var.worker_desired_count
    max_capacity       = var.worker_desired_count
    cpu_target_percent = null
  }
  # A crash-looping worker fails the apply (and so the promotion to the next
  # environment) instead of going unnoticed; a stopped one rolls back.
  wait_for_steady_state  = true
  deployment_alarm_names = ["${local.name}-worker-not-running"]

  # A re-export of a day overwrites its objects and deletes stale ones.
  task_role_statements = concat(
    [
      {
        sid       = "ListExports"
        actions   = ["s3:ListBucket"]
        resources = [module.exports.bucket_arn]
      },
      {
        sid       = "ReadWriteDeleteExports"
        actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
        resources = ["${module.exports.bucket_arn}/${local.exports_prefix}/*"]
      },
      {
        sid       = "EncryptExports"
        actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
        resources = [module.kms.key_arn]
      },
    ],
    length(var.import_bucket_arns) == 0 ? [] : [
      {
        sid       = "ListImportBuckets"
        actions   = ["s3:ListBucket"]
        resources = var.import_bucket_arns
      },
      {
        sid       = "ReadImportObjects"
        actions   = ["s3:GetObject"]
        resources = [for arn in var.import_bucket_arns : "${arn}/*"]
      },
    ],
  )

  log_kms_key_arn    = module.kms.key_arn
  log_retention_days = var.log_retention_days
  metrics_sidecar = {
    environment = var.environment
    service     = "worker"
    remote_write = {
      endpoint      = module.metrics_workspace.prometheus_endpoint
      workspace_arn = module.metrics_workspace.prometheus_workspace_arn
    }
    port = local.worker_port
  }
}

module "database" {
  source = "../../modules/database"

  name                  = local.name
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.private_subnet_ids
  availability_zones    = module.network.availability_zones
  instance_count        = var.docdb_instance_count
  instance_class        = var.docdb_instance_class
  kms_key_arn           = module.kms.key_arn
  backup_retention_days = var.docdb_backup_retention_days
  # The snapshot window comes before the nightly retention purge.
  preferred_backup_window = var.docdb_backup_window
  deletion_protection     = var.deletion_protection
  allowed_security_group_ids = {
    api     = module.api.security_group_id
    worker  = module.worker.security_group_id
    db_init = module.db_init.security_group_id
  }
}

module "exports" {
  source = "../../modules/exports_bucket"

  bucket_name            = "${local.name}-exports-${var.aws_account_id}"
  kms_key_arn            = module.kms.key_arn
  access_log_bucket_name = module.logs.bucket_name
  expiration_days        = var.exports_expiration_days
  transition_to_ia_days  = var.exports_transition_to_ia_days
  force_destroy          = var.force_destroy_buckets
}

module "console" {
  source = "../../modules/static_site"

  name                   = "${local.name}-console"
  bucket_name            = "${local.name}-console-${var.aws_account_id}"
  aliases                = [var.console_domain_name]
  acm_certificate_arn    = var.console_certificate_arn
  api_origin_domain_name = var.api_domain_name
  log_bucket_name        = module.logs.bucket_name
  log_bucket_domain_name = module.logs.bucket_domain_name
  route53_zone_id        = var.route53_zone_id
  force_destroy          = var.force_destroy_buckets
  web_acl_arn            = module.edge_waf.arn

  api_origin_custom_header_name  = local.origin_verify_header
  api_origin_custom_header_value = var.origin_verify_secret
}

# The CLOUDFRONT-scope web ACL and its log key live in us-east-1.
module "kms_edge" {
  source = "../../modules/kms"
  providers = {
    aws = aws.us_east_1
  }

  name       = "${local.name}-edge"
  account_id = var.aws_account_id
}

module "edge_waf" {
  source = "../../modules/cloudfront_waf"
  providers = {
    aws = aws.us_east_1
  }

  name                     = "${local.name}-edge"
  rate_limit_per_5_minutes = var.waf_rate_limit_per_5_minutes
  log_retention_days       = var.log_retention_days
  log_kms_key_arn          = module.kms_edge.key_arn
}

module "observability" {
  source = "../../modules/observability"

  permissions_boundary_arn = local.permissions_boundary_arn

  name                    = local.name
  environment             = var.environment
  alb_arn_suffix          = module.alb.arn_suffix
  target_group_arn_suffix = module.alb.target_group_arn_suffix
  ecs_cluster_name        = module.ecs_cluster.name
  api_service_name        = module.api.service_name
  worker_service_name     = module.worker.service_name
  kms_key_arn             = module.kms.key_arn
  alarm_email_addresses   = var.alarm_email_addresses
  alarm_https_endpoints   = var.alarm_https_endpoints
  alarm_slack             = var.alarm_slack
  ecs_cluster_arn         = module.ecs_cluster.arn
  # The cluster identifier is the database module's name, known at plan time
  # (module.database.cluster_id is not, and it decides how many alarms exist).
  docdb_cluster_id         = local.name
  worker_min_running_tasks = var.bootstrap ? 0 : min(1, var.worker_desired_count)
  min_healthy_hosts        = var.api_desired_count
  alb_p99_latency_seconds  = var.alarm_p99_latency_seconds
}

# Amazon Managed Prometheus (fed by the sidecars) and Amazon Managed Grafana
# with the compose stack's dashboards (loaded after apply by the workflow).
module "metrics_workspace" {
  source = "../../modules/managed_grafana"

  permissions_boundary_arn = local.permissions_boundary_arn

  name       = local.name
  account_id = var.aws_account_id
}

# First deploy: creates the application's database user and fills the URI
# secret (docs/deploy.md; run by the deploy workflow while the secret is empty).
module "db_init" {
  source = "../../modules/db_init"

  permissions_boundary_arn = local.permissions_boundary_arn

  name                   = "${local.name}-db-init"
  image                  = "${local.registry}/${var.api_repository_name}:${var.image_tag}"
  ecr_repository_arns    = [local.ecr_arns.api]
  master_secret_arn      = module.database.master_user_secret_arn
  uri_secret_arn         = module.secrets.arns["mongodb-uri"]
  uri_secret_kms_key_arn = module.kms.key_arn
  database_host          = module.database.endpoint
  database_port          = module.database.port
  database_cidr_ipv4     = module.network.vpc_cidr_block
  database_name          = local.app_environment.APP__STORAGE__MONGODB_DATABASE
  vpc_id                 = module.network.vpc_id
  log_kms_key_arn        = module.kms.key_arn
  log_retention_days     = var.log_retention_days
}
