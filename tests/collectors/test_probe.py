"""Probes against real loopback servers: each kind baselined, in sync and drifted; failures are
findings within their timeout; canary header values and tokens appear in no output."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.collectors.endpoints_fake import SECRET_FIELD, TOKEN, Endpoints
from tests.conftest import all_output, config_yaml, write

PROBES = config_yaml(
    """
    - name: probes
      kind: probe
      probes:
        - {name: api, http: "${API}/health", headers: {Authorization: "Bearer ${PROBE_TOKEN}"},
           expect_json: [status, version, session_secret], record_headers: [X-Served-By], timeout_s: 2}
        - {name: ws, websocket: "${WS}/ws", subprotocols: [jwt-auth], send: hello, timeout_s: 2}
        - {name: redis, tcp: "${REDIS}", send: "PING\\r\\n", timeout_s: 2}
    """,
    'checks:\n  - {name: redis-fast, require: "probes/redis:latency_ms < 300"}\n',
)


def findings(cli, root: Path, *args: str) -> tuple[int, list[dict[str, Any]], Any]:  # type: ignore[no-untyped-def]
    run = cli("check", "-f", "json", *args, cwd=root)
    return run.code, json.loads(run.out)["findings"], run


def test_each_probe_kind_baselined_in_sync_and_drifted(cli, tmp_path: Path, endpoints: Endpoints) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": PROBES})
    runs = [cli("-v", "baseline", "update", cwd=tmp_path)]
    assert runs[0].code == 0, runs[0].err
    baseline = (tmp_path / "baselines" / "probes" / "ws.yaml").read_text()
    assert "subprotocol: jwt-auth" in baseline and "first_message: hello" in baseline and "latency" not in baseline
    code, found, run = findings(cli, tmp_path)
    runs.append(run)
    assert (code, found) == (0, [])

    endpoints.status = 401
    endpoints.echo_subprotocol = False
    endpoints.pong_delay = 0.5
    code, found, run = findings(cli, tmp_path, "-v")
    runs.append(run)
    by_rule = {f["rule"]: f for f in found}
    assert code == 1
    assert by_rule["probe.auth-rejected"]["address"] == "probes/api:status"
    assert by_rule["probe.subprotocol-lost"]["message"].startswith(
        "WebSocket probe ws no longer negotiates subprotocol `jwt-auth` (now: none)."
    )
    latency = by_rule["probe.latency-budget"]
    assert latency["address"] == "probes/redis:latency_ms" and latency["actual"] >= 500
    assert "measured" in latency["message"] and "budget < 300 ms" in latency["message"]
    assert all(TOKEN in seen for seen in endpoints.seen_tokens)  # the token went to its own URL only
    everything = all_output(tmp_path, *runs)
    assert TOKEN not in everything and SECRET_FIELD not in everything and "fp:" in everything


def test_unreachable_targets_are_findings_within_their_timeout(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    silent = socket.socket()  # accepts into the backlog, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closer = socket.socket()  # accepts and closes mid-handshake
    closer.bind(("127.0.0.1", 0))
    closer.listen(8)

    def close_everything() -> None:
        while True:
            try:
                connection, _ = closer.accept()
            except OSError:
                return
            connection.recv(16)
            connection.close()

    threading.Thread(target=close_everything, daemon=True).start()
    nothing = free_port()
    hang, cut = silent.getsockname()[1], closer.getsockname()[1]
    config = config_yaml(
        f"""
        - name: probes
          kind: probe
          probes:
            - {{name: refused, tcp: "127.0.0.1:{nothing}", timeout_s: 1}}
            - {{name: silent-http, http: "http://127.0.0.1:{hang}/", timeout_s: 1}}
            - {{name: silent-ws, websocket: "ws://127.0.0.1:{hang}/ws", timeout_s: 1}}
            - {{name: cut-ws, websocket: "ws://127.0.0.1:{cut}/ws", timeout_s: 1}}
            - {{name: refused-ws, websocket: "ws://127.0.0.1:{nothing}/ws", timeout_s: 1}}
        """
    )
    write(tmp_path, {"driftwatch.yaml": config})
    started = time.monotonic()
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    assert time.monotonic() - started < 8  # concurrently, each within its own timeout
    errors = {
        path.stem: next(
            line.split(": ")[1] for line in path.read_text().splitlines() if line.strip().startswith("error")
        )
        for path in (tmp_path / "baselines" / "probes").glob("*.yaml")
    }
    assert errors == {
        "refused": "refused",
        "silent-http": "timeout",
        "silent-ws": "timeout",
        "cut-ws": "closed",
        "refused-ws": "refused",
    }
    run = cli("check", "-f", "json", cwd=tmp_path)  # in sync with a failing baseline, still failing
    failing = {f["resource"]: f for f in json.loads(run.out)["findings"] if f["rule"] == "probe.unreachable"}
    assert run.code == 1 and set(failing) == set(errors)
    assert failing["cut-ws"]["message"] == f"Probe cut-ws failed: closed (websocket ws://127.0.0.1:{cut}/ws)."
    silent.close()
    closer.close()


def test_no_probes_contacts_nothing_and_skips_their_checks(cli, tmp_path: Path, endpoints: Endpoints) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": PROBES})
    cli("baseline", "update", cwd=tmp_path)
    seen = len(endpoints.seen_tokens)
    run = cli("check", "--no-probes", "-f", "json", cwd=tmp_path)
    assert run.code == 0 and json.loads(run.out)["findings"] == []
    assert len(endpoints.seen_tokens) == seen
    listing = cli("probes", cwd=tmp_path)
    assert "probes/api" in listing.out and "${API}/health" in listing.out and "${PROBE_TOKEN}" in listing.out
    assert TOKEN not in listing.out + listing.err


def test_probe_canaries_absent_from_debug_logs(tmp_path: Path, endpoints: Endpoints) -> None:
    write(tmp_path, {"driftwatch.yaml": PROBES})
    env = {**os.environ, **endpoints.env()}
    env.pop("DRIFTWATCH_FINGERPRINT_KEY", None)
    command = [sys.executable, "-m", "driftwatch", "-vv"]
    first = subprocess.run([*command, "baseline", "update"], cwd=tmp_path, env=env, capture_output=True, text=True)
    endpoints.status = 500
    second = subprocess.run([*command, "check"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert first.returncode == 0 and second.returncode == 1 and "DEBUG" in second.stderr
    output = first.stdout + first.stderr + second.stdout + second.stderr + all_output(tmp_path)
    assert TOKEN not in output and SECRET_FIELD not in output
