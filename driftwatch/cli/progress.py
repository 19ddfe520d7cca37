"""A live progress line on stderr while collectors run: only on a terminal, never with -q.

Logs and pipes stay clean: when stderr is not a TTY nothing is drawn at all.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from driftwatch.cli.state import CURRENT
from driftwatch.collectors.base import NoProgress, Progress

REDRAW_S = 0.1


@dataclass
class _Tally:
    total: int = 0
    done: int = 0
    errors: int = 0
    retries: int = 0


class TerminalProgress:
    """Counts per collector; a background thread redraws one line, so callers never block."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tallies: dict[str, _Tally] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
        self._width = 0

    def planned(self, source: str, total: int) -> None:
        with self._lock:
            self.tallies.setdefault(source, _Tally()).total += total

    def advanced(self, source: str, count: int = 1) -> None:
        with self._lock:
            self.tallies.setdefault(source, _Tally()).done += count

    def failed(self, source: str) -> None:
        with self._lock:
            tally = self.tallies.setdefault(source, _Tally())
            tally.errors += 1
            tally.done += 1

    def retried(self, source: str) -> None:
        with self._lock:
            self.tallies.setdefault(source, _Tally()).retries += 1

    def line(self) -> str:
        with self._lock:
            parts = []
            for source, t in sorted(self.tallies.items()):
                extra = "".join(
                    [f", {t.errors} not checked" if t.errors else "", f", {t.retries} retries" if t.retries else ""]
                )
                parts.append(f"{source} {t.done}/{max(t.total, t.done)}{extra}")
        return "collecting: " + ("; ".join(parts) if parts else "starting")

    def _draw(self, text: str) -> None:
        padded = text.ljust(self._width)
        self._width = len(text)
        self.stream.write("\r" + padded)
        self.stream.flush()

    def _loop(self) -> None:
        while not self._stop.wait(REDRAW_S):
            self._draw(self.line())

    def __enter__(self) -> TerminalProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.stream.write("\r" + " " * self._width + "\r")  # leave no trace above the summary
        self.stream.flush()


@contextmanager
def collecting() -> Iterator[Progress]:
    """The progress sink for this run: drawn on a terminal's stderr, silent otherwise."""
    stream = sys.stderr
    if CURRENT.quiet or not stream.isatty():
        yield NoProgress()
        return
    with TerminalProgress(stream) as progress:
        yield progress
