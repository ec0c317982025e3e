# terraform init -backend-config=backend.hcl
# The state bucket is in the environment's own account, created by
# environments/global (terraform/modules/deploy_account, docs/deploy.md).
bucket = "shoptrail-prod-tfstate-333333333333"
key    = "environments/prod/terraform.tfstate"
region = "eu-west-1"
