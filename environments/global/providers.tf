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

# The dev account, through the role AWS Organizations creates in member
# accounts (none in a single-account trial).
provider "aws" {
  alias  = "dev"
  region = var.aws_region

  allowed_account_ids = var.offline_plan ? null : [var.environment_accounts["dev"]]

  skip_credentials_validation = var.offline_plan
  skip_requesting_account_id  = var.offline_plan
  skip_metadata_api_check     = var.offline_plan
  skip_region_validation      = var.offline_plan

  dynamic "assume_role" {
    for_each = var.offline_plan || var.environment_accounts["dev"] == var.aws_account_id ? [] : [var.environment_accounts["dev"]]

    content {
      role_arn     = "arn:aws:iam::${assume_role.value}:role/${var.environment_account_role_name}"
      session_name = "shoptrail-global"
    }
  }

  default_tags {
    tags = {
      Project     = "shoptrail"
      Environment = "dev"
      ManagedBy   = "terraform"
      Repository  = "environments/global"
    }
  }
}

# The staging account, through the role AWS Organizations creates in member
# accounts (none in a single-account trial).
provider "aws" {
  alias  = "staging"
  region = var.aws_region

  allowed_account_ids = var.offline_plan ? null : [var.environment_accounts["staging"]]

  skip_credentials_validation = var.offline_plan
  skip_requesting_account_id  = var.offline_plan
  skip_metadata_api_check     = var.offline_plan
  skip_region_validation      = var.offline_plan

  dynamic "assume_role" {
    for_each = var.offline_plan || var.environment_accounts["staging"] == var.aws_account_id ? [] : [var.environment_accounts["staging"]]

    content {
      role_arn     = "arn:aws:iam::${assume_role.value}:role/${var.environment_account_role_name}"
      session_name = "shoptrail-global"
    }
  }

  default_tags {
    tags = {
      Project     = "shoptrail"
      Environment = "staging"
      ManagedBy   = "terraform"
      Repository  = "environments/global"
    }
  }
}

# The prod account, through the role AWS Organizations creates in member
# accounts (none in a single-account trial).
provider "aws" {
  alias  = "prod"
  region = var.aws_region

  allowed_account_ids = var.offline_plan ? null : [var.environment_accounts["prod"]]

  skip_credentials_validation = var.offline_plan
  skip_requesting_account_id  = var.offline_plan
  skip_metadata_api_check     = var.offline_plan
  skip_region_validation      = var.offline_plan

  dynamic "assume_role" {
    for_each = var.offline_plan || var.environment_accounts["prod"] == var.aws_account_id ? [] : [var.environment_accounts["prod"]]

    content {
      role_arn     = "arn:aws:iam::${assume_role.value}:role/${var.environment_account_role_name}"
      session_name = "shoptrail-global"
    }
  }

  default_tags {
    tags = {
      Project     = "shoptrail"
      Environment = "prod"
      ManagedBy   = "terraform"
      Repository  = "environments/global"
    }
  }
}
