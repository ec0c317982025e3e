"""Automated DocumentDB backups: every environment sets its retention and snapshot
window, the stack hands both to the cluster, and prod keeps the longest window."""

from __future__ import annotations

import re

from conftest import APP_ENVIRONMENTS, ENVIRONMENTS_DIR, MODULES_DIR, STACK_DIR, module_calls, parse, resources

EXPECTED_DAYS = {"dev": 7, "staging": 7, "prod": 35}
WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def tfvars(env: str) -> dict:
    return parse(ENVIRONMENTS_DIR / env / "terraform.tfvars")


def test_each_environment_keeps_its_backup_days():
    for env in APP_ENVIRONMENTS:
        assert tfvars(env)["docdb_backup_retention_days"] == EXPECTED_DAYS[env], env


def test_prod_keeps_35_days_of_backups():
    assert tfvars("prod")["docdb_backup_retention_days"] == 35


def test_each_environment_sets_a_snapshot_window_outside_maintenance():
    for env in APP_ENVIRONMENTS:
        window = tfvars(env)["docdb_backup_window"]
        assert WINDOW.match(window), (env, window)
        start, end = window.split("-")
        # The maintenance window is Sunday 03:30-04:30 and the purge runs at 03:30.
        assert end <= "03:30", (env, window)


def test_the_cluster_takes_retention_and_window_from_its_inputs():
    (cluster,) = [
        body
        for rtype, _, body in resources(parse(MODULES_DIR / "database" / "main.tf"))
        if rtype == "aws_docdb_cluster"
    ]
    assert cluster["backup_retention_period"] == "${var.backup_retention_days}"
    assert cluster["preferred_backup_window"] == "${var.preferred_backup_window}"
    assert cluster["skip_final_snapshot"] is False


def test_the_stack_and_environments_pass_both_through():
    database = dict(module_calls(parse(STACK_DIR / "main.tf")))["database"]
    assert database["backup_retention_days"] == "${var.docdb_backup_retention_days}"
    assert database["preferred_backup_window"] == "${var.docdb_backup_window}"
    for env in APP_ENVIRONMENTS:
        (call,) = [body for _, body in module_calls(parse(ENVIRONMENTS_DIR / env / "main.tf"))]
        assert call["docdb_backup_retention_days"] == "${var.docdb_backup_retention_days}", env
        assert call["docdb_backup_window"] == "${var.docdb_backup_window}", env
