"""Shared helpers: run the real CLI in-process, build projects in tmp_path, scan for canaries."""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftwatch.cli import main
from driftwatch.cli.state import CURRENT, State


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
