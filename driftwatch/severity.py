"""Severities, in a module with no dependencies: the CLI's start-up path needs them for --help."""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")


def severity_rank(severity: Severity) -> int:
    """Higher is worse: critical=4 ... info=0."""
    return len(SEVERITIES) - 1 - SEVERITIES.index(severity)
