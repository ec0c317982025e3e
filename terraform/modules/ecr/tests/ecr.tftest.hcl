mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  repository_names = ["shoptrail-api", "shoptrail-worker"]
  kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
}

run "immutable_scanned_repositories_with_lifecycle" {
  command = plan

  assert {
    condition     = toset(keys(aws_ecr_repository.this)) == toset(["shoptrail-api", "shoptrail-worker"])
    error_message = "One repository per image."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "Tags are immutable."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : one(r.image_scanning_configuration).scan_on_push])
    error_message = "Images are scanned on push."
  }

  assert {
    condition     = length(aws_ecr_lifecycle_policy.this) == 2
    error_message = "Each repository has a lifecycle policy."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this["shoptrail-api"].policy).rules[0].selection.tagStatus == "untagged"
    error_message = "Untagged images expire first."
  }
}

run "rejects_invalid_names" {
  command = plan

  variables {
    repository_names = ["Shoptrail API"]
  }

  expect_failures = [var.repository_names]
}
