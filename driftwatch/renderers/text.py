"""The terminal summary: worst findings first, colour only when asked for."""

from __future__ import annotations

from typing import Any

from driftwatch.errors import printable
from driftwatch.model import Result
from driftwatch.renderers.base import Renderer, RenderOptions
from driftwatch.renderers.templating import context, environment

MAX_SHOWN = 25
_COLORS = {
    "critical": "1;31",
    "high": "31",
    "medium": "33",
    "low": "34",
    "info": "2",
    "bold": "1",
    "IN SYNC": "1;32",
    "DRIFT": "1;33",
    "INCOMPLETE": "1;31",
}


class _Styled(str):
    """Text this renderer coloured itself: the only escape codes that may reach the terminal."""


def _terminal_safe(value: Any) -> Any:
    """Every value a template prints: a key, value or name from a test config or an API may hold
    terminal escapes (a window-title change, a cleared screen); they are shown escaped instead."""
    return value if isinstance(value, _Styled) or not isinstance(value, str) else printable(value)


def render(result: Result, options: RenderOptions) -> str:
    def c(style: str, text: str) -> str:
        safe = printable(str(text))
        return _Styled(f"\033[{_COLORS[style]}m{safe}\033[0m" if options.color and style in _COLORS else safe)

    limit = options.max_findings or MAX_SHOWN
    ctx = context(result, shown=result.findings[:limit], hidden=max(0, len(result.findings) - limit), c=c)
    ctx["verdict_color"] = ctx["verdict"]
    env = environment(False)
    env.finalize = _terminal_safe
    text = env.get_template("text.j2").render(ctx)
    return text if text.endswith("\n") else text + "\n"  # the verdict line ends like every line


RENDERER = Renderer("text", "txt", "terminal summary", render)
