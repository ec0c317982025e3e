# terraform init -backend-config=backend.hcl
# The state bucket is created by environments/global (see docs/deploy.md).
bucket = "shoptrail-tfstate-111111111111"
key    = "environments/prod/terraform.tfstate"
region = "eu-west-1"
