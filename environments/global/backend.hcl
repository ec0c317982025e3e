# Used after the bootstrap apply (docs/deploy.md: local state first, then
# terraform init -migrate-state -backend-config=backend.hcl).
bucket = "shoptrail-tfstate-999999999999"
key    = "global/terraform.tfstate"
region = "eu-west-1"
