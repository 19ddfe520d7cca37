"""Shared helpers: run the real CLI in-process, build projects in tmp_path, scan for canaries."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftwatch.cli import main
from driftwatch.cli.state import CURRENT, State


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The generated proofs say how many cases they tried, in every run's output (CI's too)."""
    from tests.reliability_doc import SUMMARIES

    for line in SUMMARIES:
        terminalreporter.write_line(line)


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Call `driftwatch ARGS` in a folder; returns exit code and captured streams."""
    monkeypatch.delenv("DRIFTWATCH_FINGERPRINT_KEY", raising=False)
    monkeypatch.delenv("DRIFTWATCH_CONFIG", raising=False)

    def run(*args: str, cwd: Path) -> Run:
        vars(CURRENT).update(vars(State()))
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        return Run(int(exit_info.value.code or 0), captured.out, captured.err)

    return run


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def config_yaml(collectors: str, extra: str = "") -> str:
    return (
        "version: 1\nproject: demo-proj\nregion: us-central1\ncollectors:\n"
        + textwrap.indent(textwrap.dedent(collectors).strip("\n"), "  ")
        + "\n"
        + textwrap.dedent(extra)
    )


def write_snapshot(folder: Path, key_id: str, resources: list[dict[str, Any]]) -> Path:
    """A snapshot with raw documents: normalisation applies on load, as for live state."""
    folder.mkdir(parents=True, exist_ok=True)
    body = {
        "schema": "driftwatch/snapshot/v1",
        "generated_at": "2026-11-24T00:00:00Z",
        "project": "demo-proj",
        "key_id": key_id,
        "resources": resources,
        "not_checked": [],
    }
    (folder / "snapshot.json").write_text(json.dumps(body), encoding="utf-8")
    return folder


def all_output(root: Path, *runs: Run) -> str:
    """Every byte written under root plus every stream: where a canary must never appear."""
    chunks = [r.out + r.err for r in runs]
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            chunks.append((Path(dirpath) / name).read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Loopback HTTP, WebSocket and TCP endpoints for probes; the env names them (API, WS, REDIS)."""
    from tests.collectors.endpoints_fake import Endpoints

    running = Endpoints()
    for name, value in running.env().items():
        monkeypatch.setenv(name, value)
    yield running
    running.close()


# -- the emulator --------------------------------------------------------------------------

FAST_RETRIES = "retries: {initial_backoff_s: 0.01, max_backoff_s: 0.05}\n"


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Start the project's emulator on a free loopback port; the env points the clients at it."""
    from driftwatch.emulator import Emulator, state_from_dict

    started: list[Emulator] = []

    def start(state: dict[str, Any], **knobs: Any) -> Emulator:
        server = Emulator(state_from_dict(state), **knobs).start()
        started.append(server)
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        return server

    yield start
    for server in started:
        server.stop()


def secret(name: str, *versions: tuple[str, str], **metadata: Any) -> dict[str, Any]:
    """A state entry: versions as (state, payload), numbered from 1."""
    return {
        "name": name,
        **metadata,
        "versions": [
            {"version": n, "state": state, "createTime": f"2025-01-{n:02d}T00:00:00Z", "data": data}
            for n, (state, data) in enumerate(versions, start=1)
        ],
    }


def service(name: str, env: dict[str, Any] | None = None, **template: Any) -> dict[str, Any]:
    """A Cloud Run v2 Service in REST shape; env values are strings or (secret, version) pins."""
    entries = []
    for key, value in (env or {}).items():
        if isinstance(value, tuple):
            entries.append({"name": key, "valueSource": {"secretKeyRef": {"secret": value[0], "version": value[1]}}})
        else:
            entries.append({"name": key, "value": value})
    return {
        "name": f"projects/demo-proj/locations/us-central1/services/{name}",
        "uid": f"uid-{name}",
        "generation": "3",
        "template": {"containers": [{"image": f"img/{name}:1", "env": entries}], **template},
        "uri": f"https://{name}.a.run.app",
    }


def gcp_state(
    secrets: list[dict[str, Any]] | None = None, services: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"project": "demo-proj", "region": "us-central1", "secrets": secrets or [], "services": services or []}


def paths(server: Any, suffix: str = "") -> list[str]:
    """Request paths the emulator saw (ending with `suffix`), injected faults included."""
    return [r.path for r in server.requests if r.path.endswith(suffix)]
