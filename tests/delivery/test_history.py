"""History for the nightly run: first_seen, new and resolved since the last run, the trend chart,
and two runs at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import config_yaml, write

CONFIG = config_yaml("- {name: e2e, kind: test-config, files: [settings.yaml]}")
A = "e2e/settings.yaml:a"
B = "e2e/settings.yaml:b"


def settings(root: Path, a: int, b: int) -> None:
    (root / "settings.yaml").write_text(f"a: {a}\nb: {b}\n")


def run(cli, root: Path, *extra: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    result = cli("check", "--history", "history.db", "-f", "json", *extra, cwd=root)
    assert result.code in (0, 1), result.err
    data: dict = json.loads(result.out)  # type: ignore[type-arg]
    return data


def test_first_seen_new_and_resolved_across_three_runs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": CONFIG})
    settings(tmp_path, 1, 1)
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    settings(tmp_path, 2, 1)  # {A}
    first = run(cli, tmp_path)
    time.sleep(1.1)
    settings(tmp_path, 2, 2)  # {A, B}
    second = run(cli, tmp_path)
    time.sleep(1.1)
    settings(tmp_path, 1, 2)  # {B}
    third = run(cli, tmp_path)

    def by_address(data: dict) -> dict:  # type: ignore[type-arg]
        return {f["address"]: f for f in data["findings"]}

    assert first["history"]["runs"] == 1 and first["history"]["previous_run_at"] is None
    assert by_address(first)[A]["first_seen"] == first["generated_at"]
    assert by_address(second)[A]["first_seen"] == first["generated_at"]  # still the same drift
    b = by_address(third)[B]
    assert b["first_seen"] == second["generated_at"] != first["generated_at"]
    history = third["history"]
    assert history["new"] == [] and [r["address"] for r in history["resolved"]] == [A]
    assert history["resolved"][0]["first_seen"] == first["generated_at"]
    assert second["history"]["new"] == [by_address(second)[B]["id"]]
    assert [p["findings"]["medium"] for p in history["trend"]] == [1, 2, 1]

    (tmp_path / "third.json").write_text(json.dumps(third))
    html = cli("report", "third.json", "--format", "html", cwd=tmp_path).out
    assert 'data-severity="medium" data-points="3"' in html and html.count("<circle") == 3
    assert "<script src" not in html
    text = cli("report", "third.json", cwd=tmp_path).out
    assert f"1 resolved ({A})" in text and "open since" in text
    markdown = cli("report", "third.json", "--format", "markdown", cwd=tmp_path).out
    assert "**Since the last run**" in markdown and "| open |" in markdown

    trend = cli("history", "history.db", cwd=tmp_path)
    assert trend.code == 0 and len(trend.out.strip().splitlines()) == 1 + 3 + 1 and "trend: " in trend.out


def test_two_runs_at_once_both_complete(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": CONFIG})
    settings(tmp_path, 1, 1)
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    settings(tmp_path, 2, 2)
    command = [sys.executable, "-m", "driftwatch", "check", "--history", "history.db", "-f", "json"]
    env = {k: v for k, v in os.environ.items() if k != "DRIFTWATCH_FINGERPRINT_KEY"}
    processes = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [1, 1], [err for _, err in outputs]
    runs = sorted(json.loads(out)["history"]["runs"] for out, _ in outputs)
    assert runs == [1, 2]
    with sqlite3.connect(tmp_path / "history.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone() == (2,)


def test_a_file_that_is_not_a_store_is_named(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": CONFIG, "history.db": "not sqlite at all " * 100})
    settings(tmp_path, 1, 1)
    cli("baseline", "update", cwd=tmp_path)
    bad = cli("check", "--history", "history.db", cwd=tmp_path)
    assert bad.code == 2 and bad.err.startswith("driftwatch: error: history.db: not a driftwatch history store")
