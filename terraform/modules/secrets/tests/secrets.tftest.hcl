mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name_prefix = "shoptrail/test"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  secrets = {
    "mongodb-uri" = "MongoDB connection string."
  }
}

run "creates_named_encrypted_shells" {
  command = plan

  assert {
    condition     = aws_secretsmanager_secret.this["mongodb-uri"].name == "shoptrail/test/mongodb-uri"
    error_message = "Secrets are named <prefix>/<key>."
  }

  assert {
    condition     = aws_secretsmanager_secret.this["mongodb-uri"].kms_key_id == var.kms_key_arn
    error_message = "Secrets are encrypted with the environment key."
  }

  assert {
    condition     = output.arns["mongodb-uri"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoptrail/mock-AbCdEf"
    error_message = "The ARN is exported for the task definitions."
  }
}

run "rejects_wildcards_in_names" {
  command = plan

  variables {
    secrets = { "bad*name" = "no" }
  }

  expect_failures = [var.secrets]
}
