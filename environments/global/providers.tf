provider "aws" {
  region = var.aws_region

  allowed_account_ids = var.offline_plan ? null : [var.aws_account_id]

  skip_credentials_validation = var.offline_plan
  skip_requesting_account_id  = var.offline_plan
  skip_metadata_api_check     = var.offline_plan
  skip_region_validation      = var.offline_plan

  default_tags {
    tags = {
      Project     = "shoptrail"
      Environment = "global"
      ManagedBy   = "terraform"
      Repository  = "environments/global"
    }
  }
}
