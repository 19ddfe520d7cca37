"""The command line: the only code that prints, reads the environment for UX, and picks exit codes.

Heavy modules (the pipeline, deepdiff, the Google clients) are imported inside commands so
`driftwatch --help` stays instant.
"""

from __future__ import annotations

import sys
import traceback

import click

from driftwatch import __version__
from driftwatch.cli.state import CURRENT, global_options
from driftwatch.errors import DriftwatchError


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


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="driftwatch", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        click.echo("driftwatch: interrupted", err=True)
        code = 130
    except click.ClickException as exc:
        exc.show()
        code = 2
    except DriftwatchError as exc:
        _print_traceback()
        click.echo(f"driftwatch: error: {exc}", err=True)
        code = 2
    except KeyboardInterrupt:
        click.echo("driftwatch: interrupted", err=True)
        code = 130
    except Exception as exc:  # a bug: say so in one line, the traceback with -v
        _print_traceback()
        hint = "" if CURRENT.verbose else " (run with -v for the traceback)"
        click.echo(f"driftwatch: internal error: {type(exc).__name__}{hint}", err=True)
        code = 2
    sys.exit(code if isinstance(code, int) else 0)


def _print_traceback() -> None:
    if CURRENT.verbose:
        traceback.print_exc(file=sys.stderr)
