"""The live progress line: drawn only on a terminal, counting resources, errors and retries."""

from __future__ import annotations

import io
import time
from pathlib import Path

from driftwatch.cli.progress import TerminalProgress
from tests.conftest import FAST_RETRIES, config_yaml, gcp_state, service, write


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_per_collector_and_clears_its_line() -> None:
    stream = Terminal()
    with TerminalProgress(stream) as progress:
        progress.planned("secrets", 3)
        progress.advanced("secrets", 2)
        progress.failed("secrets")
        progress.retried("secrets")
        progress.planned("run", 1)
        assert progress.line() == "collecting: run 0/1; secrets 3/3, 1 not checked, 1 retries"
        time.sleep(0.25)
    drawn = stream.getvalue()
    assert "\rcollecting: run 0/1; secrets 3/3, 1 not checked, 1 retries" in drawn
    assert drawn.endswith("\r")  # the line is wiped before the summary is printed


def test_no_progress_when_stderr_is_not_a_terminal(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emulator(gcp_state([], [service("api")]), latency_s=0.15)
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: run, kind: cloud-run, services: [api]}", FAST_RETRIES)})
    run = cli("baseline", "update", cwd=tmp_path)
    assert run.code == 0 and "collecting" not in run.err and "\r" not in run.err
