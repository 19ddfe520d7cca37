"""Acceptance: secret payloads served by the emulator never reach any output, at any verbosity."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FAST_RETRIES, all_output, config_yaml, gcp_state, secret, service, write

CANARIES = [f"CANARY-{n}-{word}" for n, word in enumerate(["e1f0", "9ab2", "77c3", "d4d4", "5e05", "f6a6", "b7c7"])]
PLAIN_ENV = [f"PLAINENV-{n}-{word}" for n, word in enumerate(["a1a1", "b2b2", "c3c3", "d4d4"])]
CONFIG = config_yaml(
    """
    - {name: secrets, kind: secret-manager, versions: all}
    - {name: run, kind: cloud-run}
    - {name: tests, kind: test-config, files: [tests/.env]}
    """,
    FAST_RETRIES
    + 'checks:\n  - {name: key, equal: ["tests/tests/.env:API_KEY", "run/api:template.containers.*.env.API_KEY"]}\n',
)


def forms(canary: str) -> list[str]:
    """The plaintext and the encodings it travels in."""
    return [canary, base64.b64encode(canary.encode()).decode(), canary.encode().hex()]


def test_emulator_payloads_never_leak(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = gcp_state(
        [
            secret("api-key", ("ENABLED", CANARIES[0]), ("DISABLED", CANARIES[1]), ("ENABLED", CANARIES[2])),
            secret("db-password", ("ENABLED", CANARIES[3])),
            secret("locked", ("ENABLED", CANARIES[4])),
        ],
        [
            service(
                "api",
                {
                    "API_KEY": ("api-key", "1"),
                    "DB": ("db-password", "latest"),
                    "DATABASE_URL": f"postgres://app:{PLAIN_ENV[0]}@10.0.0.3/db",
                    "SESSION_TOKEN": PLAIN_ENV[1],
                },
            )
        ],
    )
    server = emulator(state, fault_rate=0.2)
    write(tmp_path, {"driftwatch.yaml": CONFIG, "tests/.env": "API_KEY=${API_KEY}\n"})
    runs = [cli("-v", "baseline", "update", cwd=tmp_path)]
    assert runs[0].code == 0, runs[0].err
    env = server.state.services["projects/demo-proj/locations/us-central1/services/api"]["template"]["containers"][0]
    for entry in env["env"]:  # plain env secrets change too: drift findings with commands about them
        if entry["name"] == "DATABASE_URL":
            entry["value"] = f"postgres://app:{PLAIN_ENV[2]}@10.0.0.3/db"
        if entry["name"] == "SESSION_TOKEN":
            entry["value"] = PLAIN_ENV[3]
    for fmt in ("text", "markdown", "html", "json"):
        runs.append(cli("check", "--format", fmt, cwd=tmp_path))
    runs.append(cli("-v", "check", "--output-dir", "out", "-f", "json", "-f", "html", "-f", "markdown", cwd=tmp_path))
    runs.append(cli("snapshot", "--out", "snap", cwd=tmp_path))
    runs.append(cli("check", "--from-snapshot", "snap", cwd=tmp_path))
    for index in (0, 1):  # shard results carry their share of the snapshot
        runs.append(cli("check", "--shard", f"{index}/2", "--output-dir", "shards", "-f", "json", cwd=tmp_path))
    runs.append(cli("merge", "shards", "--output-dir", "merged", cwd=tmp_path))
    assert (tmp_path / "shards" / "driftwatch-shard-1-of-2.json").is_file() and (tmp_path / "merged").is_dir()
    server.state.deny.add("secrets/locked")  # a failing run
    failing = cli("-v", "check", "-f", "json", cwd=tmp_path)
    assert failing.code == 2
    runs.append(failing)
    debug = subprocess.run(  # DEBUG logging in a fresh process: the clients log whole responses there
        [sys.executable, "-m", "driftwatch", "-vv", "check", "-f", "json"],
        cwd=tmp_path,
        env={**os.environ, **server.env(), "GOOGLE_SDK_PYTHON_LOGGING_SCOPE": "google"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert debug.returncode == 2 and "DEBUG" in debug.stderr
    everything = all_output(tmp_path, *runs) + debug.stdout + debug.stderr
    assert "fp:" in everything and "cloud-run.env-changed" in everything and "--update-env-vars=" in everything
    for canary in CANARIES + PLAIN_ENV:
        for form in forms(canary):
            assert form not in everything, f"{canary} leaked as {form!r}"


def test_demo_payloads_never_leak(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from driftwatch.demo import STATE_FILE
    from driftwatch.emulator import load_state

    payloads = [v.data.decode() for s in load_state(STATE_FILE).secrets.values() for v in s.versions.values() if v.data]
    assert len(payloads) >= 3
    runs = [cli("-v", "demo", cwd=tmp_path), cli("demo", "--output-dir", "again", cwd=tmp_path)]
    everything = all_output(tmp_path, *runs)
    for payload in payloads:
        for form in forms(payload):
            assert form not in everything
