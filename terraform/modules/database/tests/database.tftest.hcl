mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name               = "shoptrail-test"
  vpc_id             = "vpc-0123456789abcdef0"
  subnet_ids         = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  allowed_security_group_ids = {
    api    = "sg-0aaaaaaaaaaaaaaa1"
    worker = "sg-0bbbbbbbbbbbbbbb2"
  }
}

run "two_instances_across_two_azs" {
  command = plan

  assert {
    condition     = length(aws_docdb_cluster_instance.this) >= 2
    error_message = "At least two instances."
  }

  assert {
    condition     = length(distinct(aws_docdb_cluster_instance.this[*].availability_zone)) == 2
    error_message = "Instances are in two different AZs."
  }
}

run "encrypted_tls_backed_up_no_password_in_state" {
  command = plan

  assert {
    condition     = aws_docdb_cluster.this.storage_encrypted && aws_docdb_cluster.this.kms_key_id == var.kms_key_arn
    error_message = "Encryption at rest with the environment key."
  }

  assert {
    condition     = one([for p in aws_docdb_cluster_parameter_group.this.parameter : p.value if p.name == "tls"]) == "enabled"
    error_message = "TLS is required."
  }

  assert {
    condition     = aws_docdb_cluster.this.backup_retention_period >= 7 && aws_docdb_cluster.this.skip_final_snapshot == false
    error_message = "Backups are kept and a final snapshot is taken."
  }

  assert {
    condition     = aws_docdb_cluster.this.manage_master_user_password && aws_docdb_cluster.this.master_password == null
    error_message = "The master password is managed by RDS in Secrets Manager, never in state."
  }
}

run "only_the_service_security_groups_get_in" {
  command = plan

  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.from_services : r.referenced_security_group_id]) == toset(["sg-0aaaaaaaaaaaaaaa1", "sg-0bbbbbbbbbbbbbbb2"])
    error_message = "Ingress comes only from the ECS services' security groups."
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.from_services : r.cidr_ipv4 == null && r.from_port == 27017])
    error_message = "No CIDR-based ingress, only port 27017."
  }
}

run "rejects_a_single_instance" {
  command = plan

  variables {
    instance_count = 1
  }

  expect_failures = [var.instance_count]
}
