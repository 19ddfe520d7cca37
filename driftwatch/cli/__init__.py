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


_STOPPED_BY: list[int] = []  # the signal that stopped this run, once one has


def main(argv: list[str] | None = None) -> None:
    with _stop_signals_raise():
        code = _run(argv)
    sys.exit(code)


def _run(argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="driftwatch", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except (click.Abort, KeyboardInterrupt, Terminated):
        return _stopped()
    except click.ClickException as exc:
        if _STOPPED_BY:
            return _stopped()
        exc.show()
        code = 2
    except DriftwatchError as exc:
        if _STOPPED_BY:  # e.g. a config whose validation the signal cut short: not the config's fault
            return _stopped()
        _print_traceback()
        click.echo(f"driftwatch: error: {printable(str(exc))}", err=True)
        code = 2
    except Exception as exc:  # a bug: say so in one line, the traceback with -v
        if _STOPPED_BY:  # native code (pydantic-core) turns an exception raised inside it into its own
            return _stopped()
        _print_traceback()
        hint = "" if CURRENT.verbose else " (run with -v for the traceback)"
        click.echo(f"driftwatch: internal error: {type(exc).__name__}{hint}", err=True)
        code = 2
    return code if isinstance(code, int) else 0


def _stopped() -> int:
    """Files are consistent by now (writes are atomic, the history a transaction). API calls
    still running on worker threads would hold the exit until the whole scan had run, so a
    process with such threads ends at once."""
    signum = _STOPPED_BY[0] if _STOPPED_BY else signal.SIGINT
    code = 128 + signum
    click.echo(f"driftwatch: {'terminated' if signum == signal.SIGTERM else 'interrupted'}", err=True)
    if threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


@contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """SIGTERM raises Terminated and SIGINT KeyboardInterrupt, and both are remembered: where
    native code turns the exception into another, the run is still reported as stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        _STOPPED_BY.append(signum)
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    _STOPPED_BY.clear()
    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _print_traceback() -> None:
    if CURRENT.verbose:
        traceback.print_exc(file=sys.stderr)
