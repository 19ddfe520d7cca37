"""The renderer seam: render(result, options) -> str. Pure: the CLI writes files."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from driftwatch.model import Result


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    max_findings: int | None = None  # detail sections beyond this are summarised, not dropped silently
    details_url: str | None = None  # where the full report lives, linked when findings are summarised
    header: str = ""  # prepended verbatim (the PR comment's hidden marker)


@dataclass(frozen=True)
class Renderer:
    name: str
    extension: str
    description: str
    render: Callable[[Result, RenderOptions], str]


def compact(value: Any, limit: int = 160) -> str:
    """A value as one short line for tables: strings bare, everything else as JSON."""
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pretty(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
