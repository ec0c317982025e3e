"""Structural rules of the Terraform code that plan-mode tests cannot see
across modules: zones, ingress, encryption, environment parity."""

from __future__ import annotations

import re

import pytest

from conftest import (
    APP_ENVIRONMENTS,
    ENVIRONMENTS_DIR,
    MODULES_DIR,
    NON_AWS_MODULES,
    STACK_DIR,
    blocks,
    REPO,
    module_calls,
    parse,
    resources,
    tf_files,
)

REQUIRED_MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
ENV_ONLY_FILES = {"terraform.tfvars", "backend.hcl"}
ROOT_FILES = {"main.tf", "variables.tf", "outputs.tf", "versions.tf", "providers.tf", "terraform.tfvars", "backend.hcl"}


def env_files(env: str) -> dict[str, str]:
    root = ENVIRONMENTS_DIR / env
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".terraform" not in p.parts and p.name != ".terraform.lock.hcl"
    }


def tfvars(env: str) -> dict:
    return parse(ENVIRONMENTS_DIR / env / "terraform.tfvars")


# --- Module conventions ----------------------------------------------------------


def test_every_module_has_the_standard_files(module_dirs):
    for module in module_dirs:
        missing = [f for f in REQUIRED_MODULE_FILES if not (module / f).is_file()]
        assert not missing, f"{module.name} lacks {missing}"


def test_every_variable_is_typed_and_described(module_dirs):
    roots = list(module_dirs) + [STACK_DIR] + [ENVIRONMENTS_DIR / e for e in (*APP_ENVIRONMENTS, "global")]
    for root in roots:
        doc = parse(root / "variables.tf")
        for block in doc.get("variable", []):
            for name, body in block.items():
                assert "type" in body, f"{root.name}: variable {name} has no type"
                assert body.get("description", "").strip(), f"{root.name}: variable {name} has no description"


def test_every_output_is_described(module_dirs):
    for root in list(module_dirs) + [STACK_DIR] + [ENVIRONMENTS_DIR / e for e in (*APP_ENVIRONMENTS, "global")]:
        for block in parse(root / "outputs.tf").get("output", []):
            for name, body in block.items():
                assert body.get("description", "").strip(), f"{root.name}: output {name} has no description"


def test_modules_pin_the_aws_provider_major_and_terraform(module_dirs):
    for module in module_dirs:
        terraform = parse(module / "versions.tf")["terraform"][0]
        # 1.9 where a validation compares two variables (exports_bucket).
        assert terraform["required_version"] in (">= 1.6", ">= 1.9"), module.name
        providers = terraform["required_providers"][0]
        if "aws" in providers:
            assert providers["aws"]["version"] == ">= 5.0, < 6.0", module.name
        else:
            assert module.name in NON_AWS_MODULES, f"{module.name} does not pin the aws provider"


def test_every_aws_module_has_plan_tests_with_a_mocked_provider(module_dirs):
    for module in module_dirs:
        if module.name in NON_AWS_MODULES:
            continue
        tests = list((module / "tests").glob("*.tftest.hcl"))
        assert tests, f"{module.name} has no terraform test"
        text = "".join(t.read_text(encoding="utf-8") for t in tests)
        assert 'mock_provider "aws"' in text, module.name


def test_checkov_skips_carry_a_reason():
    pattern = re.compile(r"#\s*checkov:skip=(CKV2?_AWS_\d+)(:?)(.*)")
    for root in (MODULES_DIR, ENVIRONMENTS_DIR):
        for path in tf_files(root):
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                assert match.group(2) == ":" and len(match.group(3).strip()) >= 20, (
                    f"{path}: {match.group(1)} is skipped without a real reason"
                )


# --- Two availability zones everywhere --------------------------------------------


@pytest.mark.parametrize("env", APP_ENVIRONMENTS)
def test_environments_use_two_distinct_zones_of_their_region(env):
    values = tfvars(env)
    zones = values["availability_zones"]
    assert len(zones) == 2 and len(set(zones)) == 2
    assert all(z.startswith(values["aws_region"]) for z in zones)


@pytest.mark.parametrize(
    ("module", "variable"),
    [
        ("network", "availability_zones"),
        ("alb", "public_subnet_ids"),
        ("ecs_service", "subnet_ids"),
        ("database", "subnet_ids"),
        ("database", "availability_zones"),
        ("mongodb_atlas", "subnet_ids"),
    ],
)
def test_multi_az_inputs_reject_a_single_zone(module, variable):
    doc = parse(MODULES_DIR / module / "variables.tf")
    body = next(b[variable] for b in doc["variable"] if variable in b)
    conditions = " ".join(v["condition"] for v in body.get("validation", []))
    assert re.search(r"length\((distinct\()?var\.%s\)?\) >= 2" % variable, conditions), (
        f"{module}.{variable} must be validated to span at least two AZs"
    )


def test_the_stack_spreads_services_and_database_over_private_subnets():
    calls = dict(module_calls(parse(STACK_DIR / "main.tf")))
    for name in ("api", "worker", "database"):
        assert calls[name]["subnet_ids"] == "${module.network.private_subnet_ids}", name
    assert calls["alb"]["public_subnet_ids"] == "${module.network.public_subnet_ids}"


# --- Ingress ------------------------------------------------------------------------


def _open_to_world(body: dict) -> bool:
    return body.get("cidr_ipv4") == "0.0.0.0/0" or body.get("cidr_ipv6") == "::/0"


def test_only_the_alb_accepts_traffic_from_the_internet_and_only_on_443(all_resources):
    world_rules = []
    for path, rtype, name, body in all_resources:
        if rtype == "aws_vpc_security_group_ingress_rule" and _open_to_world(body):
            world_rules.append((path, name, body))
        if rtype == "aws_security_group":
            for rule in body.get("ingress", []):
                assert "0.0.0.0/0" not in rule.get("cidr_blocks", []), f"{path}: inline ingress from anywhere"
        if rtype == "aws_security_group_rule":
            assert not (body.get("type") == "ingress" and "0.0.0.0/0" in body.get("cidr_blocks", [])), path
    assert len(world_rules) == 1, world_rules
    path, name, body = world_rules[0]
    # HTTPS only (no port 80: plain HTTP is refused), and only without CloudFront in front.
    assert path == MODULES_DIR / "alb" / "main.tf" and name == "https"
    assert body["from_port"] == body["to_port"] == 443
    assert body["count"] == "${local.cloudfront_only ? 0 : 1}"


def test_the_database_admits_only_security_groups(all_resources):
    for path, rtype, name, body in all_resources:
        if rtype == "aws_vpc_security_group_ingress_rule" and path.parent.name in ("database", "mongodb_atlas"):
            assert "referenced_security_group_id" in body and "cidr_ipv4" not in body, f"{path}: {name}"


# --- Encryption ---------------------------------------------------------------------


def test_every_bucket_is_encrypted_private_and_tls_only():
    for path in tf_files(MODULES_DIR):
        found = list(resources(parse(path)))
        buckets = [name for rtype, name, _ in found if rtype == "aws_s3_bucket"]
        for bucket in buckets:
            ref = f"${{aws_s3_bucket.{bucket}.id}}"

            def attached(kind: str) -> list[dict]:
                return [b for rt, _, b in found if rt == kind and b.get("bucket") == ref]

            assert attached("aws_s3_bucket_server_side_encryption_configuration"), f"{path}: {bucket} not encrypted"
            pab = attached("aws_s3_bucket_public_access_block")
            assert pab and all(
                pab[0][k] is True
                for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
            ), f"{path}: {bucket} public access not fully blocked"
            policies = attached("aws_s3_bucket_policy")
            assert policies and "aws:SecureTransport" in str(policies[0]["policy"]), f"{path}: {bucket} not TLS-only"
            assert attached("aws_s3_bucket_versioning"), f"{path}: {bucket} not versioned"
            assert attached("aws_s3_bucket_lifecycle_configuration"), f"{path}: {bucket} has no lifecycle"


def test_the_database_is_encrypted_with_tls_and_backups(all_resources):
    clusters = [b for _, rtype, _, b in all_resources if rtype == "aws_docdb_cluster"]
    assert clusters
    for cluster in clusters:
        assert cluster["storage_encrypted"] is True
        assert cluster["kms_key_id"] == "${var.kms_key_arn}"
        assert cluster["manage_master_user_password"] is True and "master_password" not in cluster
    groups = [b for _, rtype, _, b in all_resources if rtype == "aws_docdb_cluster_parameter_group"]
    assert any({"name": "tls", "value": "enabled"} in g["parameter"] for g in groups)


def test_log_groups_topics_and_secrets_use_kms(all_resources):
    for path, rtype, name, body in all_resources:
        if rtype == "aws_cloudwatch_log_group":
            assert "kms_key_id" in body, f"{path}: log group {name}"
        if rtype == "aws_sns_topic":
            assert "kms_master_key_id" in body, f"{path}: topic {name}"
        if rtype == "aws_secretsmanager_secret":
            assert "kms_key_id" in body, f"{path}: secret {name}"


def test_no_secret_values_in_terraform(all_resources):
    kinds = {rtype for _, rtype, _, _ in all_resources}
    assert "aws_secretsmanager_secret_version" not in kinds
    for path, rtype, name, body in all_resources:
        if rtype == "aws_docdb_cluster":
            assert "master_password" not in body


# --- Environment parity -----------------------------------------------------------------


def test_no_file_under_environments_is_a_symlink():
    links = [p for p in ENVIRONMENTS_DIR.rglob("*") if p.is_symlink() and ".terraform" not in p.parts]
    assert not links, links


@pytest.mark.parametrize("env", APP_ENVIRONMENTS)
def test_environment_roots_are_thin(env):
    root = ENVIRONMENTS_DIR / env
    files = {p.name for p in root.iterdir() if p.is_file() and p.name != ".terraform.lock.hcl"}
    assert files == ROOT_FILES, files ^ ROOT_FILES
    assert (root / ".terraform.lock.hcl").is_file(), f"{env}: commit the provider lock file"
    assert list((root / "tests").glob("*.tftest.hcl")), f"{env} has no tests of its own"
    for path in tf_files(root):
        doc = parse(path)
        assert not list(resources(doc)) and not blocks(doc, "data"), f"{path}: resources belong in the stack"
    calls = dict(module_calls(parse(root / "main.tf")))
    assert list(calls) == ["shoptrail"] and calls["shoptrail"]["source"] == "../../terraform/stacks/shoptrail"


def test_roots_differ_in_values_not_in_definitions():
    reference = env_files("dev")
    for env in APP_ENVIRONMENTS[1:]:
        other = env_files(env)
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "providers.tf"):
            assert other[name].replace(f"the {env} environment", "the dev environment") == reference[name], (
                f"environments/{env}/{name} differs from environments/dev/{name}"
            )


def test_the_stack_calls_the_modules():
    calls = dict(module_calls(parse(STACK_DIR / "main.tf")))
    sources = {name: body["source"] for name, body in calls.items()}
    for source in sources.values():
        assert source.startswith("../../modules/"), source
        assert (STACK_DIR / source).resolve().is_dir(), source
    assert set(sources.values()) >= {
        f"../../modules/{m}"
        for m in ("network", "alb", "ecs_cluster", "ecs_service", "database", "static_site", "exports_bucket",
                  "observability", "secrets")
    }


def test_tfvars_set_the_same_variables_in_every_environment():
    keys = {env: set(tfvars(env)) for env in APP_ENVIRONMENTS}
    assert keys["dev"] == keys["staging"] == keys["prod"]
    declared = set()
    for block in parse(ENVIRONMENTS_DIR / "dev" / "variables.tf")["variable"]:
        declared |= set(block)
    assert keys["dev"] <= declared
    assert "image_tag" not in keys["dev"], "image_tag comes from the deploy workflow, not tfvars"


@pytest.mark.parametrize("env", APP_ENVIRONMENTS)
def test_backend_config_points_at_the_environments_own_state(env):
    backend = parse(ENVIRONMENTS_DIR / env / "backend.hcl")
    assert backend["key"] == f"environments/{env}/terraform.tfstate"
    # Each environment's state lives in its own account (terraform/modules/deploy_account).
    global_vars = tfvars("global")
    account = tfvars(env)["aws_account_id"]
    assert global_vars["environment_accounts"][env] == account
    assert backend["bucket"] == f"shoptrail-{env}-tfstate-{account}"
    assert tfvars(env)["ecr_account_id"] == global_vars["aws_account_id"]


def test_environments_live_in_separate_accounts_unless_a_labelled_trial():
    global_vars = tfvars("global")
    accounts = {env: tfvars(env)["aws_account_id"] for env in APP_ENVIRONMENTS}
    if global_vars.get("single_account_trial"):
        return
    assert len(set(accounts.values())) == 3 and global_vars["aws_account_id"] not in accounts.values(), accounts


def test_no_deploy_role_gets_power_user_or_unbounded_iam():
    for path in tf_files(ENVIRONMENTS_DIR / "global") + tf_files(MODULES_DIR / "deploy_account"):
        text = path.read_text(encoding="utf-8")
        assert "PowerUserAccess" not in text and "AdministratorAccess" not in text, path


def test_roots_use_an_s3_backend_with_native_locking():
    for env in (*APP_ENVIRONMENTS, "global"):
        terraform = parse(ENVIRONMENTS_DIR / env / "versions.tf")["terraform"][0]
        backend = terraform["backend"][0]["s3"]
        assert backend.get("use_lockfile") is True, env
        assert "bucket" not in backend, f"{env}: the bucket belongs in backend.hcl (partial configuration)"


@pytest.mark.parametrize("env", ("staging", "prod"))
def test_shared_environments_are_protected_and_zone_redundant(env):
    values = tfvars(env)
    assert values["deletion_protection"] is True
    assert values["single_nat_gateway"] is False
    assert values["force_destroy_buckets"] is False
    assert values["api_desired_count"] >= 2
    assert values["docdb_instance_count"] >= 2


def test_dev_uses_a_single_nat_gateway():
    assert tfvars("dev")["single_nat_gateway"] is True


def test_the_image_tag_is_a_variable_of_every_environment():
    main = (STACK_DIR / "main.tf").read_text(encoding="utf-8")
    assert main.count(":${var.image_tag}") == 3, "api, worker and db-init images all use var.image_tag"


def test_global_creates_the_repositories_the_environments_pull_from():
    global_vars = parse(ENVIRONMENTS_DIR / "global" / "variables.tf")
    repos = next(b["ecr_repository_names"] for b in global_vars["variable"] if "ecr_repository_names" in b)
    assert set(repos["default"]) == {"shoptrail-api", "shoptrail-worker"}
    env_vars = parse(STACK_DIR / "variables.tf")
    defaults = {
        name: body.get("default")
        for block in env_vars["variable"]
        for name, body in block.items()
        if name.endswith("_repository_name")
    }
    assert defaults == {"api_repository_name": "shoptrail-api", "worker_repository_name": "shoptrail-worker"}


def test_the_grafana_module_loads_the_compose_dashboards():
    dashboards = REPO / "docker" / "grafana" / "dashboards"
    main = (MODULES_DIR / "grafana" / "main.tf").read_text(encoding="utf-8")
    assert '"${path.module}/../../../docker/grafana/dashboards"' in main
    assert (MODULES_DIR / "grafana" / "../../../docker/grafana/dashboards").resolve() == dashboards.resolve()
    assert list(dashboards.glob("*.json"))


# --- Worker and console wiring ------------------------------------------------------------


def _env_calls() -> dict[str, dict]:
    return dict(module_calls(parse(STACK_DIR / "main.tf")))


def test_the_worker_has_no_port_no_load_balancer_and_no_ingress():
    worker = _env_calls()["worker"]
    for key in ("container_port", "load_balancer", "ingress_security_group_ids"):
        assert key not in worker, f"worker sets {key}: nothing may connect to it"


def test_the_api_does_not_run_jobs_in_process():
    assert 'APP__WORKER__IN_PROCESS = "false"' in _env_calls()["api"]["environment"]


def test_the_worker_exports_into_the_exports_bucket_and_may_delete_there():
    worker = _env_calls()["worker"]
    assert 'APP__EXPORT__DESTINATION = "s3://${module.exports.bucket_name}/' in worker["environment"]
    statements = worker["task_role_statements"]
    assert '"s3:DeleteObject"' in statements and "${module.exports.bucket_arn}/" in statements
    # Import buckets are read-only.
    imports = statements[statements.index("ListImportBuckets"):]
    assert "s3:PutObject" not in imports and "s3:DeleteObject" not in imports
    for root in (MODULES_DIR, ENVIRONMENTS_DIR):
        for path in tf_files(root):
            assert "APP__EXPORTS__S3_BUCKET" not in path.read_text(encoding="utf-8"), path


def test_health_check_and_sidecar_use_the_workers_listener():
    calls = _env_calls()
    worker = calls["worker"]
    port = re.search(r"worker_port\s*=\s*(\d+)", (STACK_DIR / "main.tf").read_text(encoding="utf-8"))
    assert port and port.group(1) == "9090"
    assert worker["metrics_sidecar"]["service"] == "worker"
    assert worker["metrics_sidecar"]["port"] == "${local.worker_port}"
    assert "APP__WORKER__LISTEN_ADDR" in worker["environment"] and "${local.worker_port}" in worker["environment"]
    assert worker["health_check"]["command"][-1] == "http://127.0.0.1:${local.worker_port}/healthz"
    assert calls["api"]["metrics_sidecar"]["service"] == "api"
    observability = calls["observability"]
    assert observability["worker_service_name"] == "${module.worker.service_name}"
    # The observability module's default Service dimensions match the sidecars'.
    defaults = {
        name: body.get("default")
        for block in parse(MODULES_DIR / "observability" / "variables.tf")["variable"]
        for name, body in block.items()
    }
    assert defaults["api_metrics_service"] == "api" and defaults["worker_metrics_service"] == "worker"


def test_the_console_is_same_origin_when_cloudfront_routes_the_api():
    console = _env_calls()["console"]
    assert console["api_origin_domain_name"] == "${var.api_domain_name}"
    site = (MODULES_DIR / "static_site" / "main.tf").read_text(encoding="utf-8")
    assert '["/v1/*", "/sdk.js"]' in site
    outputs = parse(STACK_DIR / "outputs.tf")
    base_url = next(b["console_api_base_url"] for b in outputs["output"] if "console_api_base_url" in b)
    assert base_url["value"].startswith("${module.console.api_routed ? \"\" :")
    workflow = (REPO / ".github" / "workflows" / "terraform-apply.yml").read_text(encoding="utf-8")
    assert "output -raw console_api_base_url" in workflow


# --- Release gates ------------------------------------------------------------------------

WORKFLOWS = REPO / ".github" / "workflows"


def _workflow(name: str) -> dict:
    import yaml

    with (WORKFLOWS / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_a_tag_deploys_only_after_ci_passed_on_its_commit():
    jobs = _workflow("deploy.yml")["jobs"]
    gate = jobs["ci-gate"]
    script = " ".join(step.get("run", "") for step in gate["steps"])
    assert "--workflow ci.yml" in script and '--commit "$SHA"' in script and '"success"' in script
    assert jobs["images"]["needs"] == "ci-gate"


def test_each_environment_applies_the_plan_its_approver_saw():
    jobs = _workflow("deploy.yml")["jobs"]
    order = ["dev-plan", "dev", "staging-plan", "staging", "prod-plan", "prod"]
    needs = [[j["needs"]] if isinstance(j["needs"], str) else j["needs"] for j in (jobs[o] for o in order)]
    assert [n[-1] for n in needs] == ["images", *order[:-1]]
    # A bootstrap (first deploy) stops the promotion until the re-run after db-init.
    assert "bootstrap != 'true'" in jobs["staging-plan"]["if"] and "bootstrap != 'true'" in jobs["prod-plan"]["if"]
    for env in ("dev", "staging", "prod"):
        assert jobs[f"{env}-plan"]["uses"] == "./.github/workflows/terraform-plan.yml"
        assert jobs[env]["uses"] == "./.github/workflows/terraform-apply.yml"
    plan = _workflow("terraform-plan.yml")["jobs"]["plan"]
    plan_runs = " ".join(s.get("run", "") for s in plan["steps"])
    assert "-out=tfplan" in plan_runs and "GITHUB_STEP_SUMMARY" in plan_runs
    assert any("upload-artifact" in s.get("uses", "") for s in plan["steps"])
    assert plan["environment"] == "${{ inputs.environment }}-plan", "planning needs no approval"
    apply = _workflow("terraform-apply.yml")["jobs"]["apply"]
    assert apply["environment"] == "${{ inputs.environment }}", "applying waits for the environment's reviewers"
    apply_runs = " ".join(s.get("run", "") for s in apply["steps"])
    assert 'apply tfplan' in apply_runs and "-auto-approve" not in apply_runs
    assert any("download-artifact" in s.get("uses", "") for s in apply["steps"])
    assert "aws ecs wait services-stable" in apply_runs and ".api, .worker" in apply_runs


def test_rollback_changes_images_only_and_pull_requests_plan_read_only():
    rollback = _workflow("rollback.yml")
    runs = " ".join(s.get("run", "") for s in rollback["jobs"]["rollback"]["steps"])
    assert "infra-rollback-images.sh" in runs and "terraform" not in runs
    pr = _workflow("terraform-pr-plan.yml")
    assert set(pr[True]) == {"pull_request"}
    job = pr["jobs"]["plan"]
    assert job["environment"] == "${{ matrix.environment }}-plan"
    assert "AWS_PLAN_ROLE_ARN" in str(job["steps"]) and "apply" not in " ".join(s.get("run", "") for s in job["steps"])
