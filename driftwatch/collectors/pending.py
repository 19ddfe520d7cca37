"""Fail closed for collectors whose live reading is not built yet: NOT_CHECKED, never in sync."""

from __future__ import annotations

from collections.abc import Sequence

from driftwatch.collectors.base import CollectContext, Collected
from driftwatch.model import NotChecked


def not_yet_live(source: str, names: Sequence[str] | None, kind: str, ctx: CollectContext) -> Collected:
    reason = "live collection of this kind is not available in this build yet; use `check --from-snapshot`"
    targets = [n for n in (names or ["*"]) if not ctx.skip_resource(source, n)]
    return [NotChecked(source, name, kind, reason) for name in targets]
