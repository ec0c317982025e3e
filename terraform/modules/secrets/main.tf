# Secret shells only: no aws_secretsmanager_secret_version here, so no secret
# value ever enters Terraform state or plans. Values are put by an operator
# (aws secretsmanager put-secret-value) or by the system that owns them.
resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Values are owned outside Terraform (operator or upstream system), and so is their rotation.
  for_each = var.secrets

  name                    = "${var.name_prefix}/${each.key}"
  description             = each.value
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags
}
