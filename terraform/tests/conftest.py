"""Shared helpers for the structural tests: parse HCL with python-hcl2 (8.x,
pinned by scripts/check-infra) and normalise its output, which keeps the
quotes of string literals and block labels and adds __meta__ keys."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import hcl2
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
MODULES_DIR = REPO / "terraform" / "modules"
ENVIRONMENTS_DIR = REPO / "environments"
STACK_DIR = REPO / "terraform" / "stacks" / "shoptrail"
APP_ENVIRONMENTS = ("dev", "staging", "prod")
# Modules whose provider is not in the local mirror: parsed, not validated.
NON_AWS_MODULES = {"grafana", "mongodb_atlas"}


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value[1:-1]
    return value


def normalise(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            _unquote(k): normalise(v)
            for k, v in node.items()
            if not (isinstance(k, str) and k.startswith("__"))
        }
    if isinstance(node, list):
        return [normalise(v) for v in node]
    if isinstance(node, str):
        return _unquote(node)
    return node


def parse(path: pathlib.Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return normalise(hcl2.load(handle))


def blocks(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    value = doc.get(kind, [])
    return value if isinstance(value, list) else [value]


def resources(doc: dict[str, Any]):
    """Yield (type, name, body) for every resource block of a parsed file."""
    for block in blocks(doc, "resource"):
        for rtype, named in block.items():
            for name, body in named.items():
                yield rtype, name, body


def module_calls(doc: dict[str, Any]):
    for block in blocks(doc, "module"):
        for name, body in block.items():
            yield name, body


def tf_files(root: pathlib.Path):
    return sorted(p for p in root.rglob("*.tf") if ".terraform" not in p.parts)


@pytest.fixture(scope="session")
def module_dirs() -> list[pathlib.Path]:
    return sorted(p for p in MODULES_DIR.iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def all_resources():
    """(file, type, name, body) for every resource in modules and environments."""
    found = []
    for root in (MODULES_DIR, STACK_DIR, ENVIRONMENTS_DIR):
        for path in tf_files(root):
            for rtype, name, body in resources(parse(path)):
                found.append((path, rtype, name, body))
    return found
