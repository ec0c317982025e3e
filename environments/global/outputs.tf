output "state_bucket" {
  description = "Terraform state bucket: the bucket of every environment's backend.hcl."
  value       = module.state_bucket.bucket_name
}

output "ecr_repository_urls" {
  description = "ECR repository URLs by name."
  value       = module.ecr.repository_urls
}

output "deploy_role_arns" {
  description = "Role ARN per GitHub environment: set it as the environment variable AWS_DEPLOY_ROLE_ARN in GitHub."
  value       = module.github_oidc.role_arns
}
