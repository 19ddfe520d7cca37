"""NORMALISERS: per resource kind, idempotent, applied to baselines and live state alike.

UNCOMPARED: top-level keys that are kept for checks but are never drift (output-only state).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftwatch.normalise import cloud_run, secret

Normaliser = Callable[[dict[str, Any]], dict[str, Any]]


def _identity(document: dict[str, Any]) -> dict[str, Any]:
    return document


NORMALISERS: dict[str, Normaliser] = {
    "cloud-run": cloud_run.normalise,
    "secret": secret.normalise,
    "test-config": _identity,
    "probe": _identity,
}

UNCOMPARED: dict[str, frozenset[str]] = {
    "cloud-run": frozenset({"status"}),
    "secret": frozenset({"status"}),
    "probe": frozenset({"latency_ms", "ok"}),  # ok is derived from status/error, which are compared
}


def normalise(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    return NORMALISERS.get(kind, _identity)(document)


def comparable(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """The part of a normalised document that drift is computed over."""
    skip = UNCOMPARED.get(kind, frozenset())
    return {k: v for k, v in document.items() if k not in skip}
