"""One jinja2 environment per output family; templates live in renderers/templates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from driftwatch.model import Finding, History, Result
from driftwatch.renderers.base import compact, pretty
from driftwatch.severity import SEVERITIES


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


def open_days(first_seen: str | None, now: str) -> int | None:
    """Whole days a finding has been open, from its first_seen to this run."""
    if not first_seen:
        return None
    try:
        start = dt.datetime.fromisoformat(first_seen.replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0, (end - start).days)


CHART_COLORS = {"critical": "#b00020", "high": "#d9480f", "medium": "#b08800", "low": "#1c64f2", "info": "#6b7280"}


def trend_svg(history: History | None) -> Markup:
    """Open findings per severity across recorded runs, as inline SVG (numbers only, no script)."""
    if history is None or not history.trend:
        return Markup("")
    points = history.trend
    width, height, pad = 640, 180, 24
    top = max([1, *(max(p.findings.model_dump().values()) for p in points)])
    step = (width - 2 * pad) / max(1, len(points) - 1)
    parts = [
        f'<svg class="trend" role="img" aria-label="open findings per severity over {len(points)} runs" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"/>',
    ]
    for severity in SEVERITIES:
        values = [getattr(p.findings, severity) for p in points]
        if not any(values):
            continue
        xy = [(pad + i * step, height - pad - v * (height - 2 * pad) / top) for i, v in enumerate(values)]
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(
            f'<g class="series" data-severity="{severity}" data-points="{len(values)}">'
            f'<polyline fill="none" stroke="{CHART_COLORS[severity]}" stroke-width="2" points="{coords}"/>'
            + "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{CHART_COLORS[severity]}"/>' for x, y in xy)
            + "</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


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
        "history": result.history,
        "new_ids": set(result.history.new) if result.history else set(),
        "open_days": lambda f: open_days(f.first_seen, result.generated_at),
        "trend_svg": trend_svg(result.history),
        **extra,
    }


def verdict(result: Result) -> str:
    if result.has_not_checked:
        return "INCOMPLETE"
    if result.findings:
        return "DRIFT"
    return "IN SYNC"
