terraform {
  # use_lockfile (S3-native state locking) needs Terraform 1.10+.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }

  # Partial configuration: bucket, key and region come from backend.hcl
  # (terraform init -backend-config=backend.hcl).
  # State objects get the state bucket's default SSE-KMS encryption.
  backend "s3" {
    use_lockfile = true
  }
}
