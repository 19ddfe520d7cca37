"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from driftwatch.errors import DriftwatchError


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # The rename is only durable once the directory entry is flushed.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_text_capped(
    path: Path, limit: int, error: type[DriftwatchError], *, label: str | None = None, hint: str | None = None
) -> str:
    """Read a user-supplied text file: size cap, no binary, UTF-8, one-line errors of `error`'s seam.

    Messages name the file and place only, never content (the file may hold secrets).
    """
    name = label or str(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise error(f"{name}: {size} bytes is over the {limit}-byte limit", hint=hint)
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{name}: no such file", hint=hint) from None
    except OSError as exc:
        raise error(f"{name}: cannot read ({exc.strerror})") from None
    if b"\0" in data[:8192]:
        raise error(f"{name}: binary file, not text", hint=hint)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"{name}:{line}: not valid UTF-8", hint="save it as UTF-8") from None
