# terraform init -backend-config=backend.hcl
# The state bucket is in the environment's own account, created by
# environments/global (terraform/modules/deploy_account, docs/deploy.md).
bucket = "shoptrail-staging-tfstate-222222222222"
key    = "environments/staging/terraform.tfstate"
region = "eu-west-1"
