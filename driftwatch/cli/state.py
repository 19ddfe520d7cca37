"""Global options, accepted before or after the command name (CONTRACT section 7)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    config: str | None = None
    verbose: int = 0
    quiet: bool = False
    no_color: bool = False
    no_probes: bool = False

    def color_for(self, stream: Any) -> bool:
        if self.no_color or os.environ.get("NO_COLOR"):
            return False
        return bool(getattr(stream, "isatty", lambda: False)())


CURRENT = State()  # read by the error handler after click's context is gone


def _store(field: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value not in (None, False, 0):
            setattr(CURRENT, field, value)
            if field == "verbose":
                logging.basicConfig(
                    level=logging.DEBUG if value > 1 else logging.INFO,
                    stream=sys.stderr,
                    format="driftwatch: %(levelname)s %(name)s: %(message)s",
                )
        return value

    return callback


def global_options(func: F) -> F:
    options = [
        click.option(
            "--config",
            "-c",
            metavar="PATH",
            expose_value=False,
            callback=_store("config"),
            help="driftwatch.yaml to use (default: nearest in this or a parent folder).",
        ),
        click.option(
            "-v",
            "--verbose",
            count=True,
            expose_value=False,
            callback=_store("verbose"),
            help="Show tracebacks and request logs.",
        ),
        click.option(
            "-q",
            "--quiet",
            is_flag=True,
            expose_value=False,
            callback=_store("quiet"),
            help="Print only errors and requested output.",
        ),
        click.option(
            "--no-color",
            is_flag=True,
            expose_value=False,
            callback=_store("no_color"),
            help="Never colour the terminal output.",
        ),
        click.option(
            "--no-probes",
            is_flag=True,
            expose_value=False,
            callback=_store("no_probes"),
            help="Contact no probe target (offline runs); probe resources and checks on them are skipped.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def say(message: str, *, err: bool = True) -> None:
    """Human progress lines; silenced by -q."""
    if not CURRENT.quiet:
        click.echo(message, err=err)
