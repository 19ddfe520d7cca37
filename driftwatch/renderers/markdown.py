"""GitHub-flavoured Markdown: summary first, details folded, fit to paste as a PR comment."""

from __future__ import annotations

from driftwatch.model import Result
from driftwatch.renderers.base import Renderer, RenderOptions
from driftwatch.renderers.templating import context, environment


def render(result: Result, options: RenderOptions) -> str:
    limit = options.max_findings if options.max_findings is not None else len(result.findings)
    shown = result.findings[:limit]
    ctx = context(
        result,
        shown=shown,
        shown_ids={f.id for f in shown},  # membership by id: comparing whole findings is quadratic and slow
        hidden=len(result.findings) - len(shown),
        details_url=options.details_url,
    )
    return options.header + environment(False).get_template("markdown.md.j2").render(ctx)


RENDERER = Renderer("markdown", "md", "GitHub-flavoured Markdown (PR comments, step summaries)", render)
