aws_region        = "eu-west-1"
aws_account_id    = "111111111111"
github_repository = "shoptrail/shoptrail"
