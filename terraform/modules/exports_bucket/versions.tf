terraform {
  # 1.9: a variable validation may refer to another variable (expiration vs transition).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
}
