"""`driftwatch emulator --state FILE`: users point their own pipelines at it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from driftwatch.emulator import EMULATOR_VARIABLES, read_exports
from tests.conftest import write


def test_emulator_command_serves_a_state_file_and_prints_the_environment(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "state.yaml": """
            project: my-proj
            secrets:
              - name: token
                versions: [{version: 1, state: ENABLED, data: not-shown}]
            services:
              - name: api
                template: {timeout: 60s, containers: [{image: img}]}
            """
        },
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "driftwatch", "-v", "emulator", "--state", "state.yaml"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        exports = read_exports(process.stdout)
        assert list(exports) == list(EMULATOR_VARIABLES)  # one `export NAME=HOST:PORT` line each, in order
        assert all(value.startswith("127.0.0.1:") for value in exports.values())
        host = exports["CLOUD_RUN_EMULATOR_HOST"]
        with urllib.request.urlopen(f"http://{host}/v2/projects/my-proj/locations/us-central1/services/api") as r:
            assert json.loads(r.read())["template"]["timeout"] == "60s"
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "GET /v2/projects/my-proj/locations/us-central1/services/api -> 200" in err
    assert "Traceback" not in err


def test_emulator_refuses_to_bind_beyond_loopback(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli("emulator", "--host", "0.0.0.0", cwd=tmp_path)
    assert run.code == 2 and "loopback" in run.err


def test_emulator_names_a_bad_state_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"state.yaml": "secrets:\n  - name: a\n    versions: [{version: 1, state: SHREDDED}]\n"})
    run = cli("emulator", "--state", "state.yaml", cwd=tmp_path)
    assert run.code == 2
    assert run.err.startswith("driftwatch: error: state.yaml: malformed emulator state") and "SHREDDED" in run.err
    assert len(run.err.strip().splitlines()) <= 2
