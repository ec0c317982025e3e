# One-off task of an environment's first deploy (docs/deploy.md): the api image
# run as `api db-init` in the private subnets. It reads the cluster's managed
# master secret, creates the application user and writes the URI secret the
# services read. No service runs it; the deploy workflow does (aws ecs run-task).

data "aws_region" "current" {}

locals {
  region  = data.aws_region.current.name
  command = ["db-init"]
  environment = {
    DB_INIT_MASTER_SECRET_ID   = var.master_secret_arn
    DB_INIT_URI_SECRET_ID      = var.uri_secret_arn
    DB_INIT_HOST               = var.database_host
    DB_INIT_PORT               = tostring(var.database_port)
    DB_INIT_DATABASE           = var.database_name
    DB_INIT_APP_USER           = var.app_user
    APP__TELEMETRY__LOG_FORMAT = "json"
    AWS_REGION                 = local.region
  }
  ecs_tasks_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/shoptrail/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "execution" {
  permissions_boundary = var.permissions_boundary_arn
  name                 = "${var.name}-execution"
  assume_role_policy   = local.ecs_tasks_trust
  tags                 = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name = "pull-and-log"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "EcrAuth", Effect = "Allow", Action = ["ecr:GetAuthorizationToken"], Resource = "*" },
      {
        Sid      = "EcrPull"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
        Resource = var.ecr_repository_arns
      },
      {
        Sid      = "WriteLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ]
  })
}

# The task may read the master secret and read/write the URI secret; nothing else.
resource "aws_iam_role" "task" {
  permissions_boundary = var.permissions_boundary_arn
  name                 = "${var.name}-task"
  assume_role_policy   = local.ecs_tasks_trust
  tags                 = var.tags
}

resource "aws_iam_role_policy" "task" {
  name = "db-init"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadMasterSecret"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue"]
          Resource = [var.master_secret_arn]
        },
        {
          Sid      = "ReadWriteUriSecret"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
          Resource = [var.uri_secret_arn]
        },
      ],
      [for key in compact([var.master_secret_kms_key_arn, var.uri_secret_kms_key_arn]) : {
        Sid      = "UseSecretKey${index(compact([var.master_secret_kms_key_arn, var.uri_secret_kms_key_arn]), key)}"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [key]
        Condition = {
          StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" }
        }
      }],
    )
  })
}

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached when the workflow runs the task (aws ecs run-task --network-configuration), not by a Terraform resource.
  name        = "${var.name}-task"
  description = "db-init task: Secrets Manager over HTTPS and the database port, nothing inbound."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-task" })
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to Secrets Manager, ECR and CloudWatch Logs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "database" {
  security_group_id = aws_security_group.this.id
  description       = "The database inside the VPC"
  ip_protocol       = "tcp"
  from_port         = var.database_port
  to_port           = var.database_port
  cidr_ipv4         = var.database_cidr_ipv4
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([{
    name                   = "db-init"
    image                  = var.image
    essential              = true
    command                = local.command
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    environment            = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "db-init"
      }
    }
  }])

  tags = var.tags
}
