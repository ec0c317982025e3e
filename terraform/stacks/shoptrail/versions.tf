terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
      # CloudFront's web ACL and its log key live in us-east-1.
      configuration_aliases = [aws.us_east_1]
    }
  }
}
