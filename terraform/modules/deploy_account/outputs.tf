output "deploy_role_arn" {
  description = "Role the environment's apply jobs assume (GitHub environment variable AWS_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "Read-only role of pull-request plans (GitHub environment <env>-plan, variable AWS_PLAN_ROLE_ARN)."
  value       = aws_iam_role.plan.arn
}

output "permissions_boundary_arn" {
  description = "Boundary every role of the environment must carry (terraform/stacks/shoptrail sets it)."
  value       = aws_iam_policy.boundary.arn
}

output "state_bucket" {
  description = "Terraform state bucket of the environment (its backend.hcl)."
  value       = module.state_bucket.bucket_name
}

output "deploy_policy" {
  description = "JSON inline policy of the deploy role."
  value       = aws_iam_role_policy.deploy.policy
}

output "deploy_trust_policy" {
  description = "JSON trust policy of the deploy role."
  value       = aws_iam_role.deploy.assume_role_policy
}

output "plan_trust_policy" {
  description = "JSON trust policy of the plan role."
  value       = aws_iam_role.plan.assume_role_policy
}

output "mode" {
  description = "account-per-environment, or single-account-trial (no isolation between environments)."
  value       = var.single_account_trial ? "single-account-trial" : "account-per-environment"
}
