"""One self-contained HTML file: inline CSS and JS, nothing fetched, every value escaped."""

from __future__ import annotations

from driftwatch.model import Result
from driftwatch.renderers.base import Renderer, RenderOptions
from driftwatch.renderers.templating import context, environment


def render(result: Result, options: RenderOptions) -> str:
    return environment(True).get_template("report.html.j2").render(context(result))


RENDERER = Renderer("html", "html", "self-contained HTML report", render)
