"""`driftwatch ignore`: one entry appended, every other byte of driftwatch.yaml kept."""

from __future__ import annotations

from pathlib import Path

from driftwatch.config import load_config
from tests.conftest import write

CONFIG = """\
# our staging drift config: keep these comments
version: 1
project: demo-proj   # the staging project
collectors:
  - {name: e2e, kind: test-config, files: [settings.yaml]}   # flow style stays flow style
  - name: run
    kind: cloud-run
    services: ["api"]
{ignore}checks:
  - name: t
    require: "run/api:template.timeout >= 60s"   # a long line that must never be re-wrapped by the editor at all
"""
EXISTING = """\
ignore:
  - path: "run/*:template.containers.*.image"   # deploys change it
    reason: "the image changes on every deploy"
"""


def test_ignore_appends_to_the_list_and_keeps_everything_else(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    original = CONFIG.replace("{ignore}", EXISTING)
    write(tmp_path, {"driftwatch.yaml": original})
    run = cli("ignore", "run/api:labels.*", "--reason", "labels are managed by the platform team", cwd=tmp_path)
    assert run.code == 0, run.err
    edited = (tmp_path / "driftwatch.yaml").read_text()
    added = [line for line in edited.splitlines() if line not in original.splitlines()]
    assert added == ["  - path: run/api:labels.*", "    reason: labels are managed by the platform team"]
    assert [line for line in original.splitlines() if line not in edited.splitlines()] == []
    rules = load_config(tmp_path / "driftwatch.yaml").config.ignore
    assert [r.path for r in rules] == ["run/*:template.containers.*.image", "run/api:labels.*"]
    again = cli("ignore", "run/api:labels.*", "--reason", "twice", cwd=tmp_path)
    assert again.code == 0 and "ignored already" in again.err
    assert (tmp_path / "driftwatch.yaml").read_text() == edited


def test_ignore_creates_the_list_when_there_is_none(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": CONFIG.replace("{ignore}", "")})
    assert cli("ignore", "e2e/settings.yaml:timeout", "--reason", "tuned per run", cwd=tmp_path).code == 0
    [rule] = load_config(tmp_path / "driftwatch.yaml").config.ignore
    assert (rule.path, rule.reason) == ("e2e/settings.yaml:timeout", "tuned per run")
    assert "# our staging drift config: keep these comments" in (tmp_path / "driftwatch.yaml").read_text()


def test_ignore_needs_a_reason_and_leaves_the_file_alone(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    original = CONFIG.replace("{ignore}", EXISTING)
    write(tmp_path, {"driftwatch.yaml": original})
    run = cli("ignore", "run/api:labels.x", "--reason", "  ", cwd=tmp_path)
    assert run.code == 2 and "--reason is empty" in run.err
    assert (tmp_path / "driftwatch.yaml").read_text() == original
