variable "name" {
  description = "Name of the service, task family and roles, e.g. shoptrail-dev-api (at most 40 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,40}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits and hyphens."
  }
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster."
  type        = string
}

variable "cluster_name" {
  description = "Name of the ECS cluster (for the auto scaling resource id)."
  type        = string
}

variable "image" {
  description = "Full image reference, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shoptrail-api:v1.2.3."
  type        = string

  validation {
    condition     = !endswith(var.image, ":latest")
    error_message = "Deploy an immutable tag, not :latest."
  }
}

variable "ecr_repository_arns" {
  description = "ECR repositories the execution role may pull from."
  type        = list(string)
}

variable "container_name" {
  description = "Name of the application container."
  type        = string
  default     = "app"
}

variable "container_user" {
  description = "uid:gid the application container runs as (non-root; matches the image)."
  type        = string
  default     = "10001:10001"

  validation {
    condition     = !can(regex("^(0|root)(:|$)", var.container_user))
    error_message = "The container must not run as root."
  }
}

variable "container_port" {
  description = "Port the application listens on; null for a service without one (worker)."
  type        = number
  default     = null
}

variable "command" {
  description = "Command override; null keeps the image's default."
  type        = list(string)
  default     = null
}

variable "cpu" {
  description = "Task CPU units (256, 512, 1024, 2048, 4096, ...)."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Task memory in MiB (must be valid for the CPU size)."
  type        = number
  default     = 1024
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64; must match the image."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "stop_timeout_seconds" {
  description = "Seconds between SIGTERM and SIGKILL: time to flush the last batch (max 120 on Fargate)."
  type        = number
  default     = 30

  validation {
    condition     = var.stop_timeout_seconds >= 2 && var.stop_timeout_seconds <= 120
    error_message = "stop_timeout_seconds must be between 2 and 120."
  }
}

variable "environment" {
  description = "Plain environment variables of the application container. Never put secret values here; use secrets."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Environment variables resolved from Secrets Manager at task start: env name => secret ARN (optionally with a :json-key:: suffix). Only ARNs reach the task definition and state."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for arn in values(var.secrets) : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:", arn))])
    error_message = "Every secrets value must be a Secrets Manager secret ARN."
  }
}

variable "secrets_kms_key_arn" {
  description = "KMS key encrypting the injected secrets; the execution role may decrypt with it via Secrets Manager. Null when they use the AWS managed key."
  type        = string
  default     = null
}

variable "health_check" {
  description = "Container health check (ECS restarts unhealthy tasks); null for none."
  type = object({
    command      = list(string)
    interval     = optional(number, 15)
    timeout      = optional(number, 5)
    retries      = optional(number, 3)
    start_period = optional(number, 20)
  })
  default = null
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the tasks, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Give subnets in at least two availability zones."
  }
}

variable "ingress_security_group_ids" {
  description = "Security groups allowed to reach container_port, keyed by a static label (e.g. { alb = sg-... })."
  type        = map(string)
  default     = {}
}

variable "allow_https_egress" {
  description = "Allow outbound HTTPS (443) anywhere: AWS APIs through endpoints/NAT, Atlas, import sources."
  type        = bool
  default     = true
}

variable "egress_rules" {
  description = "Further outbound TCP rules, keyed by a static label, e.g. { documentdb = { cidr_ipv4 = \"10.0.0.0/16\", port = 27017, description = \"...\" } }."
  type = map(object({
    cidr_ipv4   = string
    port        = number
    description = string
  }))
  default = {}

  validation {
    condition     = alltrue([for r in values(var.egress_rules) : r.cidr_ipv4 != "0.0.0.0/0"])
    error_message = "Extra egress rules must target a bounded CIDR, not 0.0.0.0/0."
  }
}

variable "desired_count" {
  description = "Tasks at creation; Application Auto Scaling owns the count afterwards (within autoscaling min/max)."
  type        = number

  validation {
    condition     = var.desired_count >= 0
    error_message = "desired_count cannot be negative."
  }
}

variable "autoscaling" {
  description = "Task count bounds and target-tracking policies: cpu_target_percent (average CPU %) and requests_per_target (ALB requests per task, only with a load balancer); a null target means no such policy."
  type = object({
    min_capacity        = number
    max_capacity        = number
    cpu_target_percent  = optional(number)
    requests_per_target = optional(number)
  })

  validation {
    condition     = var.autoscaling.min_capacity >= 0 && var.autoscaling.max_capacity >= var.autoscaling.min_capacity
    error_message = "autoscaling needs 0 <= min_capacity <= max_capacity."
  }
}

variable "load_balancer" {
  description = "Attach the service to an ALB target group; null for no load balancer (worker)."
  type = object({
    target_group_arn        = string
    target_group_arn_suffix = string
    alb_arn_suffix          = string
  })
  default = null
}

variable "health_check_grace_period_seconds" {
  description = "Seconds the scheduler ignores failing ALB health checks after a task starts."
  type        = number
  default     = 30
}

variable "wait_for_steady_state" {
  description = "Make terraform apply wait until the deployment is stable (fails the apply when the circuit breaker rolls back)."
  type        = bool
  default     = false
}

variable "availability_zone_rebalancing" {
  description = "Let ECS move tasks back into an AZ that recovered, so they do not stay bunched in the others."
  type        = bool
  default     = true
}

variable "deployment_alarm_names" {
  description = "CloudWatch alarms watched during a deployment; one going off rolls the deployment back. Names, not references: the alarms usually name this service in their dimensions."
  type        = list(string)
  default     = []
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into tasks (off by default)."
  type        = bool
  default     = false
}

variable "task_role_statements" {
  description = "Allow-statements for the task role (what the application itself may call)."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "log_retention_days" {
  description = "Retention of the service log group, in days."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the service log groups; null uses CloudWatch's default encryption."
  type        = string
  default     = null
}

variable "metrics_sidecar" {
  description = "Optional ADOT collector sidecar that publishes the app's Prometheus metrics to CloudWatch (namespace, same metric names) and its OTLP traces to X-Ray. It scrapes 127.0.0.1:<port><metrics_path>; port defaults to container_port, then 8080. Null disables it."
  type = object({
    image        = optional(string, "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1")
    namespace    = optional(string, "Shoptrail")
    environment  = string
    service      = string
    metrics_path = optional(string, "/metrics")
    port         = optional(number)
    # Also remote-write the scraped series to Amazon Managed Prometheus.
    remote_write = optional(object({
      endpoint      = string
      workspace_arn = string
    }))
  })
  default = null

  validation {
    condition     = try(var.metrics_sidecar.port == null || (var.metrics_sidecar.port >= 1 && var.metrics_sidecar.port <= 65535), true)
    error_message = "metrics_sidecar.port must be a TCP port (1-65535)."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary attached to every role of the module (the environment's deploy role may only create bounded roles); null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
