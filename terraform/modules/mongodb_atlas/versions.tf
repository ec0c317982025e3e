terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
    # 1.x: replication_specs/region_configs are blocks (2.x turned them into attributes).
    mongodbatlas = {
      source  = "mongodb/mongodbatlas"
      version = ">= 1.20, < 2.0"
    }
  }
}
