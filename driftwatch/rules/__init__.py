"""RULES: the one catalog (feeds `driftwatch rules`, report metadata and refinement)."""

from __future__ import annotations

from collections.abc import Iterable

from driftwatch.model import Finding
from driftwatch.rules.base import Rule, RuleContext
from driftwatch.rules.generic import GENERIC_RULES

SPECIFIC_RULES: tuple[Rule, ...] = ()

RULES: dict[str, Rule] = {rule.id: rule for rule in (*SPECIFIC_RULES, *GENERIC_RULES)}


def apply_rules(findings: Iterable[Finding], ctx: RuleContext) -> list[Finding]:
    """Each finding is refined by the first specific rule that applies to it, if any."""
    refined: list[Finding] = []
    for finding in findings:
        for rule in SPECIFIC_RULES:
            if finding.kind in rule.kinds and rule.applies(finding, ctx):
                finding = rule.refine(finding, ctx)
                break
        refined.append(finding)
    return refined
