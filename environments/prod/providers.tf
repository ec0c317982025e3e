provider "aws" {
  region = var.aws_region

  # Refuse to touch any other account. Offline plans (fake credentials, see
  # docs/deploy.md) cannot look the account up, so the check is off for them.
  allowed_account_ids = var.offline_plan ? null : [var.aws_account_id]

  skip_credentials_validation = var.offline_plan
  skip_requesting_account_id  = var.offline_plan
  skip_metadata_api_check     = var.offline_plan
  skip_region_validation      = var.offline_plan

  default_tags {
    tags = {
      Project     = "shoptrail"
      Environment = var.environment
      ManagedBy   = "terraform"
      Repository  = "environments/${var.environment}"
    }
  }
}

# CloudFront's web ACL (CLOUDFRONT scope) and its log key must be in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  allowed_account_ids = var.offline_plan ? null : [var.aws_account_id]

  skip_credentials_validation = var.offline_plan
  skip_requesting_account_id  = var.offline_plan
  skip_metadata_api_check     = var.offline_plan
  skip_region_validation      = var.offline_plan

  default_tags {
    tags = {
      Project     = "shoptrail"
      Environment = var.environment
      ManagedBy   = "terraform"
      Repository  = "environments/${var.environment}"
    }
  }
}
