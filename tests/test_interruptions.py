"""Interruptions: SIGTERM and SIGKILL at random points of `baseline update`, report writing and
history writes leave every file old or new, never partial; two runs at once corrupt nothing.

Each case first times one uninterrupted run, then signals real driftwatch processes at points
drawn (seeded) from 10 % to 110 % of that time, so some signals land in start-up, some in
writing and some after the end. SIGTERM must also leave no temp file behind and say so in one
line (exit 143); SIGKILL may leave a dot-named temp file, which nothing ever reads.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import config_yaml, write

ROUNDS = 8  # per signal and operation
ENV = {**os.environ, "DRIFTWATCH_FINGERPRINT_KEY": "interruptions"}
DRIFTWATCH = [sys.executable, "-m", "driftwatch"]
SIGNALS = [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGKILL, id="SIGKILL")]


def settings(root: Path, files: int, version: int, keys: int = 1) -> None:
    """`files` test configs; every value carries `version`, so each rewrite changes every file."""
    pad = "x" * 4000
    for i in range(files):
        body = "".join(f"k{j}: v{version}-{j}\n" for j in range(keys))
        (root / f"s{i}.yaml").write_text(f"name: s{i}\nvalue: {version}\npad: {pad}\n{body}")


def project(root: Path, files: int, keys: int = 1) -> None:
    write(root, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: ['s*.yaml']}")})
    settings(root, files, 1, keys)
    subprocess.run([*DRIFTWATCH, "baseline", "update"], cwd=root, env=ENV, check=True, capture_output=True)


def timed(cmd: list[str], cwd: Path) -> float:
    started = time.monotonic()
    subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True)
    return time.monotonic() - started


def interrupt(cmd: list[str], cwd: Path, after: float, sig: signal.Signals) -> tuple[int, str]:
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(after)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.tmp")]


def judge_signal(sig: signal.Signals, code: int, err: str, folder: Path) -> None:
    if sig == signal.SIGTERM:
        # 143: driftwatch caught it; -15: it landed before driftwatch started, so nothing was written.
        assert code in (0, 1, 128 + signal.SIGTERM, -signal.SIGTERM), (code, err)
        assert "Traceback" not in err
        if code == 128 + signal.SIGTERM:
            assert err.strip().endswith("driftwatch: terminated"), err
        assert temp_files(folder) == [], "SIGTERM left a temp file"
    else:
        for leftover in temp_files(folder):  # never read: baselines and reports are found by name
            leftover.unlink()


def rounds(sig: signal.Signals, full: float, case: Callable[[int, float], None]) -> None:
    rng = random.Random(f"{sig.name}-{case.__name__}")
    for round_ in range(ROUNDS):
        case(round_, rng.uniform(0.1, 1.1) * full)


@pytest.mark.parametrize("sig", SIGNALS)
def test_baseline_update_leaves_each_baseline_old_or_new(tmp_path: Path, sig: signal.Signals) -> None:
    project(tmp_path, files=60)
    cmd = [*DRIFTWATCH, "baseline", "update"]
    settings(tmp_path, 60, 2)
    full = timed(cmd, tmp_path)

    def case(round_: int, after: float) -> None:
        version = round_ + 3
        settings(tmp_path, 60, version)
        code, err = interrupt(cmd, tmp_path, after, sig)
        judge_signal(sig, code, err, tmp_path / "baselines")
        for path in (tmp_path / "baselines" / "e2e").glob("*.yaml"):
            document = yaml.safe_load(path.read_text())["document"]  # parses: never half-written
            assert document["value"] in range(1, version + 1), path  # a whole version, old or new
            assert document["pad"] == "x" * 4000 and document["k0"] == f"v{document['value']}-0", path

    rounds(sig, full, case)
    assert subprocess.run(cmd, cwd=tmp_path, env=ENV, capture_output=True).returncode == 0  # still usable


@pytest.mark.parametrize("sig", SIGNALS)
def test_reports_are_each_old_or_new(tmp_path: Path, sig: signal.Signals) -> None:
    project(tmp_path, files=4, keys=300)
    settings(tmp_path, 4, 2, keys=300)  # 1,204 drifted values: reports of some size
    cmd = [*DRIFTWATCH, "check", "--output-dir", "out", *("-f", "json", "-f", "html", "-f", "markdown")]
    cmd += ["-f", "sarif", "-f", "junit"]
    full = timed(cmd, tmp_path)
    expected = len(json.loads((tmp_path / "out" / "driftwatch.json").read_text())["findings"])
    assert expected > 1000

    def case(round_: int, after: float) -> None:
        code, err = interrupt(cmd, tmp_path, after, sig)
        judge_signal(sig, code, err, tmp_path / "out")
        out = tmp_path / "out"
        assert len(json.loads((out / "driftwatch.json").read_text())["findings"]) == expected
        assert (out / "driftwatch.html").read_text().rstrip().endswith("</html>")
        assert len(json.loads((out / "driftwatch.sarif").read_text())["runs"][0]["results"]) == expected
        ET.parse(out / "driftwatch.xml")
        markdown = (out / "driftwatch.md").read_text()
        assert markdown.startswith("<!-- driftwatch") or markdown.startswith("#"), markdown[:80]

    rounds(sig, full, case)


@pytest.mark.parametrize("sig", SIGNALS)
def test_history_keeps_whole_runs(tmp_path: Path, sig: signal.Signals) -> None:
    project(tmp_path, files=4, keys=100)
    settings(tmp_path, 4, 2, keys=100)
    cmd = [*DRIFTWATCH, "check", "--history", "history.db"]
    full = timed(cmd, tmp_path)
    store = tmp_path / "history.db"

    with sqlite3.connect(store) as db:
        per_run = db.execute("SELECT count(*) FROM findings").fetchone()[0]  # one run so far
    assert per_run > 400

    def runs() -> tuple[int, int]:
        with sqlite3.connect(store) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            count = db.execute("SELECT count(*) FROM runs").fetchone()[0]
            # every stored run has all of its findings: a run is written whole or not at all
            partial = db.execute(
                "SELECT count(*) FROM runs WHERE id NOT IN"
                " (SELECT run_id FROM findings GROUP BY run_id HAVING count(*) = ?)",
                (per_run,),
            ).fetchone()[0]
        return count, partial

    def case(round_: int, after: float) -> None:
        before, _ = runs()
        code, err = interrupt(cmd, tmp_path, after, sig)
        if sig == signal.SIGTERM:
            judge_signal(sig, code, err, tmp_path)
        count, partial = runs()
        assert count in (before, before + 1) and partial == 0, (count, before, partial)

    rounds(sig, full, case)
    done = subprocess.run([*DRIFTWATCH, "history", "history.db"], cwd=tmp_path, env=ENV, capture_output=True)
    assert done.returncode == 0, done.stderr


def test_two_baseline_updates_at_once_leave_whole_baselines(tmp_path: Path) -> None:
    project(tmp_path, files=60)
    settings(tmp_path, 60, 2)
    cmd = [*DRIFTWATCH, "baseline", "update"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, env=ENV, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    for path in (tmp_path / "baselines" / "e2e").glob("*.yaml"):
        assert yaml.safe_load(path.read_text())["document"]["value"] == 2, path
    assert temp_files(tmp_path / "baselines") == []
    check = subprocess.run([*DRIFTWATCH, "check"], cwd=tmp_path, env=ENV, capture_output=True)
    assert check.returncode == 0, check.stderr


def test_sigterm_during_a_live_scan_ends_it_at_once(tmp_path: Path, emulator) -> None:  # type: ignore[no-untyped-def]
    """Worker threads are mid-call when SIGTERM comes: the run must not wait for the whole scan
    (40 secrets at 1 s each, 4 at a time, would take 10 s)."""
    from tests.conftest import gcp_state, secret

    server = emulator(gcp_state([secret(f"s{i}", ("ENABLED", f"v{i}")) for i in range(40)]))
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: secrets, kind: secret-manager}", "concurrency: 4\n")})
    env = {**ENV, **server.env()}
    subprocess.run([*DRIFTWATCH, "baseline", "update"], cwd=tmp_path, env=env, check=True, capture_output=True)
    server.knobs.latency_s = 1.0
    proc = subprocess.Popen([*DRIFTWATCH, "check"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)  # started, listed, and in the middle of the accesses
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert time.monotonic() - signalled < 1.0
    assert err.strip().endswith("driftwatch: terminated") and "Traceback" not in err
