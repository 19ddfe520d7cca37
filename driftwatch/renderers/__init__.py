"""RENDERERS: the one registry of output formats; `--format` choices come from its keys."""

from __future__ import annotations

from driftwatch.renderers import github, html, json, junit, markdown, sarif, text
from driftwatch.renderers.base import Renderer, RenderOptions

RENDERERS: dict[str, Renderer] = {
    r.name: r
    for r in (
        text.RENDERER,
        markdown.RENDERER,
        html.RENDERER,
        json.RENDERER,
        sarif.RENDERER,
        junit.RENDERER,
        github.RENDERER,
    )
}

__all__ = ["RENDERERS", "RenderOptions", "Renderer"]
