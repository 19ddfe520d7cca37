"""The terminal summary: worst findings first, colour only when asked for."""

from __future__ import annotations

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


def render(result: Result, options: RenderOptions) -> str:
    def c(style: str, text: str) -> str:
        return f"\033[{_COLORS[style]}m{text}\033[0m" if options.color and style in _COLORS else text

    limit = options.max_findings or MAX_SHOWN
    ctx = context(result, shown=result.findings[:limit], hidden=max(0, len(result.findings) - limit), c=c)
    ctx["verdict_color"] = ctx["verdict"]
    return environment(False).get_template("text.j2").render(ctx)


RENDERER = Renderer("text", "txt", "terminal summary", render)
