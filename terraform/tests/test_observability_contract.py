"""The dashboards, alert rules and CloudWatch alarms may only use the metric
names the api binary exposes (the contract with the Rust side)."""

from __future__ import annotations

import json
import re

from conftest import MODULES_DIR, REPO


def exposed_metrics() -> dict[str, tuple[str, str]]:
    """name -> (kind, process), from the committed contract file."""
    metrics = {}
    for line in (REPO / "docker" / "prometheus" / "metrics.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, kind, process = line.split()
            metrics[name] = (kind, process)
    return metrics


EXPOSED = exposed_metrics()
COUNTERS_AND_GAUGES = {n for n, (kind, _) in EXPOSED.items() if kind != "histogram"}
HISTOGRAMS = {n for n, (kind, _) in EXPOSED.items() if kind == "histogram"}
PROMETHEUS_NAMES = COUNTERS_AND_GAUGES | {f"{h}{s}" for h in HISTOGRAMS for s in ("_bucket", "_sum", "_count")}
CLOUDWATCH_NAMES = COUNTERS_AND_GAUGES | HISTOGRAMS
METRIC = re.compile(r"\bshoptrail_[a-z_]+")


def names_in(text: str) -> set[str]:
    return set(METRIC.findall(text))


def test_grafana_dashboards_use_only_exposed_metrics():
    dashboards = sorted((REPO / "docker" / "grafana" / "dashboards").glob("*.json"))
    assert dashboards
    used = set()
    for path in dashboards:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        assert dashboard["uid"] and dashboard["title"]
        for panel in dashboard["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == "prometheus", f"{path.name}: {panel['title']}"
        used |= names_in(path.read_text(encoding="utf-8"))
    assert used <= PROMETHEUS_NAMES, used - PROMETHEUS_NAMES
    # Every exposed metric is on a panel.
    assert {n.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count") for n in used} >= CLOUDWATCH_NAMES


def test_prometheus_rules_use_only_exposed_metrics():
    for name in ("alerts.yml", "alerts_test.yml"):
        used = names_in((REPO / "docker" / "prometheus" / name).read_text(encoding="utf-8"))
        assert used <= PROMETHEUS_NAMES, (name, used - PROMETHEUS_NAMES)


def test_cloudwatch_alarms_and_dashboard_use_only_exposed_metrics():
    text = (MODULES_DIR / "observability" / "main.tf").read_text(encoding="utf-8")
    used = names_in(text)
    assert used <= CLOUDWATCH_NAMES, used - CLOUDWATCH_NAMES
    assert used == CLOUDWATCH_NAMES, CLOUDWATCH_NAMES - used


def test_managed_grafana_loads_the_compose_dashboards_with_their_data_source_uid():
    """One source of truth: the dashboards checked above are the ones loaded into AWS."""
    script = (REPO / "scripts" / "lib" / "infra-grafana-dashboards.sh").read_text(encoding="utf-8")
    assert 'dashboards_dir="$root/docker/grafana/dashboards"' in script
    assert 'uid: "prometheus"' in script and "/api/dashboards/db" in script
    workflow = (REPO / ".github" / "workflows" / "terraform-apply.yml").read_text(encoding="utf-8")
    assert "scripts/lib/infra-grafana-dashboards.sh" in workflow
    stack = (REPO / "terraform" / "stacks" / "shoptrail" / "main.tf").read_text(encoding="utf-8")
    assert stack.count("endpoint      = module.metrics_workspace.prometheus_endpoint") == 2, "api and worker remote-write"
