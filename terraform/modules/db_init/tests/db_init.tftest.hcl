mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name                   = "shoptrail-test-db-init"
  image                  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shoptrail-api:v1.2.3"
  ecr_repository_arns    = ["arn:aws:ecr:eu-west-1:123456789012:repository/shoptrail-api"]
  master_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0123-AbCdEf"
  uri_secret_arn         = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoptrail/test/mongodb-uri-AbCdEf"
  uri_secret_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  database_host          = "shoptrail-test.cluster-abc.eu-west-1.docdb.amazonaws.com"
  database_cidr_ipv4     = "10.10.0.0/16"
  vpc_id                 = "vpc-0123456789abcdef0"
  log_kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
}

run "runs_the_api_image_as_db_init" {
  command = plan

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].command == ["db-init"] && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].image == var.image
    error_message = "The task runs the api image's db-init subcommand."
  }

  assert {
    condition = alltrue([
      for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment :
      e.value == var.master_secret_arn if e.name == "DB_INIT_MASTER_SECRET_ID"
    ])
    error_message = "The task is told where the master secret is."
  }
}

run "may_only_read_the_master_and_write_the_uri_secret" {
  command = plan

  assert {
    condition = (
      one([for s in jsondecode(output.task_role_policy).Statement : s.Action if s.Sid == "ReadMasterSecret"]) == ["secretsmanager:GetSecretValue"]
      && one([for s in jsondecode(output.task_role_policy).Statement : s.Resource if s.Sid == "ReadWriteUriSecret"]) == [var.uri_secret_arn]
      && !strcontains(output.task_role_policy, "\"*\"")
    )
    error_message = "Master secret read-only, URI secret read/write, no wildcard resource."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.database.cidr_ipv4 == "10.10.0.0/16" && aws_vpc_security_group_egress_rule.database.from_port == 27017
    error_message = "The task reaches the database port inside the VPC only."
  }
}
