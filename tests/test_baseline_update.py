"""baseline update: round trip to exit 0, partial acceptance (interruptions: tests/test_interruptions.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import config_yaml, write


def make(tmp_path: Path, files: int = 1) -> None:
    settings = {f"s{i}.yaml": f"name: s{i}\nvalue: 1\nnested: {{a: 1, b: [1, 2]}}\n" for i in range(files)}
    write(
        tmp_path, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: ['s*.yaml']}"), **settings}
    )


def test_update_then_check_is_in_sync(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path)
    run = cli("baseline", "update", cwd=tmp_path)
    assert run.code == 0 and "added e2e/s0.yaml" in run.out
    assert (tmp_path / "baselines" / ".driftwatch-salt").is_file()
    baseline = (tmp_path / "baselines" / "e2e" / "s0.yaml.yaml").read_text()
    assert baseline.startswith("# driftwatch baseline: e2e/s0.yaml")
    assert cli("check", cwd=tmp_path).code == 0
    again = cli("baseline", "update", cwd=tmp_path)
    assert "1 baseline unchanged" in again.out and "updated" not in again.out
    assert (tmp_path / "baselines" / "e2e" / "s0.yaml.yaml").read_text() == baseline


def test_update_one_address_accepts_only_that_change(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path)
    cli("baseline", "update", cwd=tmp_path)
    (tmp_path / "s0.yaml").write_text("name: renamed\nvalue: 2\nnested: {a: 1, b: [1, 2]}\n")
    run = cli("baseline", "update", "e2e/s0.yaml:value", cwd=tmp_path)
    assert "updated e2e/s0.yaml: e2e/s0.yaml:value" in run.out
    result = json.loads(cli("check", "-f", "json", cwd=tmp_path).out)
    assert [f["address"] for f in result["findings"]] == ["e2e/s0.yaml:name"]


def test_deleted_file_with_baseline_is_removed_then_dropped(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path, files=2)
    cli("baseline", "update", cwd=tmp_path)
    (tmp_path / "s1.yaml").unlink()
    result = json.loads(cli("check", "-f", "json", cwd=tmp_path).out)
    assert {(r["resource"], r["status"]) for r in result["resources"]} == {
        ("s0.yaml", "IN_SYNC"),
        ("s1.yaml", "REMOVED"),
    }
    assert "removed e2e/s1.yaml" in cli("baseline", "update", cwd=tmp_path).out
    assert cli("check", cwd=tmp_path).code == 0
