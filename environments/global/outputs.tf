output "state_bucket" {
  description = "State bucket of this root (the environments keep theirs in their own accounts: state_buckets)."
  value       = module.state_bucket.bucket_name
}

output "ecr_repository_urls" {
  description = "ECR repository URLs by name."
  value       = module.ecr.repository_urls
}

output "release_role_arn" {
  description = "Role of the image build job: the release GitHub environment's AWS_DEPLOY_ROLE_ARN."
  value       = module.github_oidc.role_arns[var.release_environment]
}

output "deploy_role_arns" {
  description = "Deploy role per environment: each GitHub environment's AWS_DEPLOY_ROLE_ARN."
  value       = { dev = module.account_dev.deploy_role_arn, staging = module.account_staging.deploy_role_arn, prod = module.account_prod.deploy_role_arn }
}

output "plan_role_arns" {
  description = "Read-only plan role per environment: the <env>-plan GitHub environment's AWS_PLAN_ROLE_ARN."
  value       = { dev = module.account_dev.plan_role_arn, staging = module.account_staging.plan_role_arn, prod = module.account_prod.plan_role_arn }
}

output "state_buckets" {
  description = "State bucket per environment (each backend.hcl)."
  value       = { dev = module.account_dev.state_bucket, staging = module.account_staging.state_bucket, prod = module.account_prod.state_bucket }
}

output "mode" {
  description = "account-per-environment, or single-account-trial."
  value       = var.single_account_trial ? "single-account-trial" : "account-per-environment"
}
