# Plan-mode checks of the whole environment with a mocked AWS provider. The
# variables come from this environment's terraform.tfvars, so the same file
# runs unchanged in dev, staging and prod.

mock_provider "aws" {
  source          = "../../terraform/tests/mocks"
  override_during = plan
}

variables {
  image_tag = "v0.0.0-test"
}

run "api_runs_at_least_two_tasks_in_two_azs_behind_https" {
  command = plan

  assert {
    condition     = module.api.desired_count >= 2
    error_message = "The api runs at least two tasks."
  }

  assert {
    condition     = module.api.load_balanced && module.api.subnet_ids == toset(module.network.private_subnet_ids) && length(module.network.private_subnet_ids) == 2
    error_message = "The api is behind the ALB, in the two private subnets (one per AZ)."
  }

  assert {
    condition     = length(distinct(module.network.availability_zones)) == 2
    error_message = "The network spans two availability zones."
  }

  assert {
    condition     = module.alb.https_listener_ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "The API is served over HTTPS with TLS 1.2+."
  }

  assert {
    condition     = module.api.image == "${var.aws_account_id}.dkr.ecr.${var.aws_region}.amazonaws.com/shoptrail-api:v0.0.0-test"
    error_message = "The api image is the shoptrail-api repository at image_tag."
  }

  assert {
    condition     = module.api.load_balanced && module.api.listen_address == "0.0.0.0:8080"
    error_message = "The api listens on all interfaces on the target group's port."
  }
}

run "worker_runs_without_a_load_balancer" {
  command = plan

  assert {
    condition     = module.worker.desired_count >= 1 && !module.worker.load_balanced
    error_message = "The worker runs at least one task and no load balancer."
  }

  assert {
    condition     = endswith(module.worker.image, "/shoptrail-worker:v0.0.0-test")
    error_message = "The worker image comes from shoptrail-worker at image_tag."
  }
}

run "database_spans_two_azs" {
  command = plan

  assert {
    condition     = length(distinct(module.database.instance_availability_zones)) == 2
    error_message = "DocumentDB instances are in both AZs."
  }
}

run "no_public_bucket" {
  command = plan

  assert {
    condition     = module.logs.public_access_blocked && module.exports.public_access_blocked && module.console.public_access_blocked
    error_message = "Every bucket blocks public access."
  }

  assert {
    condition     = module.console.api_routed
    error_message = "The console distribution routes /v1/* to the API."
  }
}

run "observability_is_wired" {
  command = plan

  assert {
    condition     = module.observability.dashboard_name == "shoptrail-${var.environment}-service-health"
    error_message = "The environment has its dashboard."
  }

  assert {
    condition     = length(module.observability.alarm_names) >= 7
    error_message = "All API alarms exist."
  }
}

run "refuses_the_latest_tag" {
  command = plan

  variables {
    image_tag = "latest"
  }

  expect_failures = [var.image_tag]
}
