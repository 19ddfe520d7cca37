"""The ready-made pipelines in examples/ parse, and every driftwatch command and flag they use exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
YAML_FILES = sorted([*EXAMPLES.rglob("*.yml"), *EXAMPLES.rglob("*.yaml")])
INVOCATION = re.compile(r"(?:^|&&\s*|bin/)driftwatch ((?:[^\n&|>]|>(?!>))*)")


def scalars(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from scalars(value)
    elif isinstance(node, list):
        if node and node[0] == "driftwatch":
            yield " ".join(str(part) for part in node)
        for value in node:
            yield from scalars(value)
    elif isinstance(node, str):
        yield node


def invocations() -> list[tuple[str, str]]:
    found = []
    for path in YAML_FILES:
        for document in yaml.safe_load_all(path.read_text()):
            job = document or {}
            containers = [c for c in _containers(job)]
            for text in [*scalars(job), *containers]:
                found += [(path.name, m.group(1).strip()) for m in INVOCATION.finditer(text)]
    crontab = (EXAMPLES / "crontab").read_text()
    found += [("crontab", m.group(1).strip()) for m in INVOCATION.finditer(crontab)]
    return found


def _containers(node: Any) -> Iterator[str]:
    """A Kubernetes-style container: command + args as one line."""
    if isinstance(node, dict):
        if isinstance(node.get("command"), list) and node["command"][:1] == ["driftwatch"]:
            yield " ".join(["driftwatch", *node["command"][1:], *map(str, node.get("args", []))])
        for value in node.values():
            yield from _containers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _containers(value)


@pytest.mark.parametrize("path", YAML_FILES, ids=[p.name for p in YAML_FILES])
def test_yaml_parses(path: Path) -> None:
    assert [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_every_command_and_flag_exists(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    calls = invocations()
    files = {name for name, _ in calls}
    assert {"pre-deploy-gate.yml", "nightly.yml", "pr-comment.yml", "pr-check.yml", "cloudbuild.yaml"} <= files
    assert {"crontab", "job.yaml", "parallel-job.yaml"} <= files
    commands = set(re.findall(r"^  ([a-z]+)\s", cli("--help", cwd=tmp_path).out, re.M))
    for name, call in calls:
        command = call.split()[0]
        assert command in commands, (name, call)
        help_text = cli(command, "--help", cwd=tmp_path).out
        for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", call):
            assert flag in help_text, (name, flag)
