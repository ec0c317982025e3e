# Alternative to terraform/modules/database: a MongoDB Atlas replica set in the
# same AWS region, reached over AWS PrivateLink (no public access list), with
# database users authenticated by the ECS task roles (MONGODB-AWS), so no
# database password exists at all.

resource "mongodbatlas_project" "this" {
  name   = var.project_name
  org_id = var.atlas_org_id
}

resource "mongodbatlas_advanced_cluster" "this" {
  project_id                     = mongodbatlas_project.this.id
  name                           = var.cluster_name
  cluster_type                   = "REPLICASET"
  mongo_db_major_version         = var.mongodb_major_version
  backup_enabled                 = true
  pit_enabled                    = true
  termination_protection_enabled = var.termination_protection

  # Atlas places the electable members of a single-region replica set in
  # distinct availability zones of that region.
  replication_specs {
    region_configs {
      provider_name = "AWS"
      region_name   = var.atlas_region
      priority      = 7

      electable_specs {
        instance_size = var.instance_size
        node_count    = var.electable_node_count
      }

      auto_scaling {
        disk_gb_enabled = true
      }
    }
  }

  advanced_configuration {
    minimum_enabled_tls_protocol = "TLS1_2"
    javascript_enabled           = false
  }
}

# --- PrivateLink -----------------------------------------------------------------

resource "mongodbatlas_privatelink_endpoint" "this" {
  project_id    = mongodbatlas_project.this.id
  provider_name = "AWS"
  region        = var.aws_region
}

resource "aws_security_group" "privatelink" {
  name        = "${var.name}-atlas-privatelink"
  description = "Atlas PrivateLink endpoint: reachable only from the ECS services."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-atlas-privatelink" })
}

resource "aws_vpc_security_group_ingress_rule" "privatelink" {
  #checkov:skip=CKV_AWS_25:The source is the services' security group, not 0.0.0.0/0; Atlas PrivateLink maps cluster members to ports 1024-65535.
  for_each = var.allowed_security_group_ids

  security_group_id            = aws_security_group.privatelink.id
  description                  = "Atlas PrivateLink ports from the ${each.key} service"
  ip_protocol                  = "tcp"
  from_port                    = 1024
  to_port                      = 65535
  referenced_security_group_id = each.value
}

resource "aws_vpc_endpoint" "atlas" {
  vpc_id             = var.vpc_id
  service_name       = mongodbatlas_privatelink_endpoint.this.endpoint_service_name
  vpc_endpoint_type  = "Interface"
  subnet_ids         = var.subnet_ids
  security_group_ids = [aws_security_group.privatelink.id]
  tags               = merge(var.tags, { Name = "${var.name}-atlas" })
}

resource "mongodbatlas_privatelink_endpoint_service" "this" {
  project_id          = mongodbatlas_project.this.id
  private_link_id     = mongodbatlas_privatelink_endpoint.this.private_link_id
  endpoint_service_id = aws_vpc_endpoint.atlas.id
  provider_name       = "AWS"
}

# --- Database users: IAM roles, no passwords -------------------------------------

resource "mongodbatlas_database_user" "iam_role" {
  for_each = var.iam_role_arns

  project_id         = mongodbatlas_project.this.id
  username           = each.value
  auth_database_name = "$external"
  aws_iam_type       = "ROLE"

  roles {
    role_name     = "readWrite"
    database_name = var.database_name
  }

  scopes {
    name = mongodbatlas_advanced_cluster.this.name
    type = "CLUSTER"
  }
}
