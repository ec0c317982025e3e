# terraform init -backend-config=backend.hcl
# The state bucket is in the environment's own account, created by
# environments/global (terraform/modules/deploy_account, docs/deploy.md).
bucket = "shoptrail-dev-tfstate-111111111111"
key    = "environments/dev/terraform.tfstate"
region = "eu-west-1"
