"""The command line: the only code that prints, reads the environment for UX, and picks exit codes.

Heavy modules (the pipeline, deepdiff, the Google clients) are imported inside commands so
`driftwatch --help` stays instant.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click

from driftwatch import __version__
from driftwatch.cli.state import CURRENT, global_options
from driftwatch.errors import DriftwatchError, printable


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="driftwatch")
@global_options
def cli() -> None:
    """Detect configuration drift in Google Cloud (Secret Manager, Cloud Run) and in the
    test configs that depend on it, explain it, and say how to fix it.

    Exit codes: 0 in sync, 1 drift at or above --fail-on, 2 error or anything NOT_CHECKED.
    """


def _register() -> None:
    from driftwatch.cli import commands

    for command in commands.COMMANDS:
        cli.add_command(command)


_register()


class Terminated(BaseException):
    """SIGTERM (a CI cancel, a Cloud Run Job timeout), raised in the main thread like Ctrl-C, so
    that `finally` blocks run and an atomic write in progress removes its temp file."""


def main(argv: list[str] | None = None) -> None:
    with _sigterm_raises():
        code = _run(argv)
    sys.exit(code)


def _run(argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="driftwatch", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        return _interrupted("interrupted", 130)
    except click.ClickException as exc:
        exc.show()
        code = 2
    except DriftwatchError as exc:
        _print_traceback()
        click.echo(f"driftwatch: error: {printable(str(exc))}", err=True)
        code = 2
    except KeyboardInterrupt:
        return _interrupted("interrupted", 130)
    except Terminated:
        return _interrupted("terminated", 128 + signal.SIGTERM)
    except Exception as exc:  # a bug: say so in one line, the traceback with -v
        _print_traceback()
        hint = "" if CURRENT.verbose else " (run with -v for the traceback)"
        click.echo(f"driftwatch: internal error: {type(exc).__name__}{hint}", err=True)
        code = 2
    return code if isinstance(code, int) else 0


def _interrupted(what: str, code: int) -> int:
    """Files are consistent by now (writes are atomic, the history a transaction). API calls
    still running on worker threads would hold the exit until the whole scan had run, so a
    process with such threads ends at once."""
    click.echo(f"driftwatch: {what}", err=True)
    if threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_traceback() -> None:
    if CURRENT.verbose:
        traceback.print_exc(file=sys.stderr)
