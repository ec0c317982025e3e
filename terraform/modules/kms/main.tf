data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  root_arn  = "arn:${local.partition}:iam::${var.account_id}:root"
}

resource "aws_kms_key" "this" {
  description             = "Shoptrail ${var.name}: logs, secrets, buckets, database, alarms."
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        # Key administration and use are delegated to IAM policies in this account.
        Sid       = "AccountRootDelegatesToIam"
        Effect    = "Allow"
        Principal = { AWS = local.root_arn }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsEncryptsThisAccountsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action = [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${var.account_id}:log-group:*"
          }
        }
      },
      {
        # CloudWatch alarms and EventBridge rules (ECS deployment failures)
        # publish to the KMS-encrypted SNS topic.
        Sid       = "CloudWatchAlarmsPublishToEncryptedTopics"
        Effect    = "Allow"
        Principal = { Service = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = var.account_id }
        }
      },
      ], length(var.decrypt_via_ecr_account_ids) == 0 ? [] : [{
        # Environment accounts decrypt image layers they pull from this
        # account's ECR (one account per environment).
        Sid       = "EnvironmentAccountsPullImages"
        Effect    = "Allow"
        Principal = { AWS = [for id in var.decrypt_via_ecr_account_ids : "arn:${local.partition}:iam::${id}:root"] }
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          StringEquals = { "kms:ViaService" = "ecr.${local.region}.amazonaws.com" }
        }
    }])
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
