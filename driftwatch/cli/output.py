"""Where rendered output goes (CONTRACT section 7) and the exit code of a result."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from driftwatch.cli.state import CURRENT, say
from driftwatch.fsutil import atomic_write_text
from driftwatch.model import Result
from driftwatch.renderers import RENDERERS, RenderOptions
from driftwatch.severity import Severity

DEFAULT_FILE_FORMATS = ("json", "markdown", "html")


def exit_code(result: Result, fail_on: Severity, exit_on_drift: bool) -> int:
    if result.has_not_checked:
        return 2  # a run that could not see everything never passes
    if exit_on_drift and result.reaches(fail_on):
        return 1
    return 0


def render(result: Result, name: str, *, color: bool = False) -> str:
    return RENDERERS[name].render(result, RenderOptions(color=color))


def emit(
    result: Result,
    formats: Sequence[str],
    output: Path | None,
    output_dir: Path | None,
    *,
    stem: str = "driftwatch",
    reports_dir: Path | None = None,
) -> None:
    """Write the requested formats; the human summary goes wherever stdout is free. With no
    format and no output asked for, the summary is printed and the default formats are written
    to `reports_dir` (the config's `reports:` folder)."""
    formats = list(dict.fromkeys(formats))
    if output is not None and len(formats) > 1:
        raise click.UsageError("--output takes one format; use --output-dir for several")
    if len(formats) > 1 and output_dir is None and output is None:
        raise click.UsageError("several formats need --output-dir DIR (one driftwatch.EXT each)")
    if output is not None:
        atomic_write_text(output, render(result, formats[0] if formats else "json"))
        _summary(result, err=False, requested=False)
        say(f"wrote {output}")
        return
    if output_dir is not None:
        written = [_write(result, name, output_dir, stem) for name in (formats or DEFAULT_FILE_FORMATS)]
        _summary(result, err=False, requested=False)
        say("reports: " + ", ".join(str(p) for p in written))
        return
    name = formats[0] if formats else "text"
    if name == "text":
        _summary(result, err=False, requested=True)
        if not formats and reports_dir is not None:  # a bare run also leaves its reports (CONTRACT s.2)
            written = [_write(result, fmt, reports_dir, stem) for fmt in DEFAULT_FILE_FORMATS]
            say("reports: " + ", ".join(str(p) for p in written))
        return
    click.echo(render(result, name), nl=False)
    _summary(result, err=True, requested=False)


def _write(result: Result, name: str, folder: Path, stem: str) -> Path:
    path = folder / f"{stem}.{RENDERERS[name].extension}"
    atomic_write_text(path, render(result, name))
    return path


def _summary(result: Result, *, err: bool, requested: bool) -> None:
    if CURRENT.quiet and not requested:
        return
    stream = sys.stderr if err else sys.stdout
    click.echo(render(result, "text", color=CURRENT.color_for(stream)), err=err, nl=False)
