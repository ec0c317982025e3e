aws_region        = "eu-west-1"
github_repository = "shoptrail/shoptrail"

# Organisation layout (docs/deploy.md): a tooling account for ECR and this
# root's state, one member account per environment.
aws_account_id = "999999999999"
environment_accounts = {
  dev     = "111111111111"
  staging = "222222222222"
  prod    = "333333333333"
}
# Single-account trial: set all four ids to the same account and this to true.
single_account_trial = false
