"""One jinja2 environment per output family; templates live in renderers/templates."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

import jinja2

from driftwatch.model import SEVERITIES, Finding, Result
from driftwatch.renderers.base import compact, pretty


@lru_cache(maxsize=2)
def environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("driftwatch.renderers", "templates"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["compact"] = compact
    env.filters["pretty"] = pretty
    env.filters["md_cell"] = md_cell
    env.filters["md_code"] = md_code
    return env


def md_cell(value: Any, limit: int = 120) -> str:
    """Safe inside a GitHub table cell: no pipes, newlines or raw HTML."""
    text = compact(value, limit)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def md_code(value: Any, limit: int = 120) -> str:
    """Inline code that survives backticks in the value."""
    text = compact(value, limit).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def context(result: Result, **extra: Any) -> dict[str, Any]:
    by_resource: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_resource[(finding.source, finding.resource)].append(finding)
    counts = result.summary.findings.model_dump()
    return {
        "result": result,
        "summary": result.summary,
        "severities": SEVERITIES,
        "counts": counts,
        "total_findings": len(result.findings),
        "by_resource": by_resource,
        "verdict": verdict(result),
        **extra,
    }


def verdict(result: Result) -> str:
    if result.has_not_checked:
        return "INCOMPLETE"
    if result.findings:
        return "DRIFT"
    return "IN SYNC"
