"""RULES: the one catalog (feeds `driftwatch rules`, `explain`, the README table and refinement).

Specific rules come first: each finding is refined by the first that applies; the generic
rules are what a finding starts as. Detector rules add findings from live state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from driftwatch.model import Finding
from driftwatch.rules import cloud_run, probes, secrets, test_config
from driftwatch.rules.base import Facts, Rule, RuleContext
from driftwatch.rules.generic import GENERIC_RULES

SPECIFIC_RULES: tuple[Rule, ...] = (*secrets.RULES, *cloud_run.RULES, *probes.RULES, *test_config.RULES)

RULES: dict[str, Rule] = {rule.id: rule for rule in (*SPECIFIC_RULES, *GENERIC_RULES)}


def apply_rules(findings: Iterable[Finding], ctx: RuleContext) -> list[Finding]:
    """Refine each finding by the first specific rule that applies, then add what detectors see."""
    findings = list(findings)
    ctx = replace(ctx, findings=tuple(findings))
    refined: list[Finding] = []
    for finding in findings:
        facts = Facts(finding, ctx)
        rule = next((r for r in SPECIFIC_RULES if r.applies(facts)), None)
        refined.append(rule.refine(facts) if rule is not None else finding)
    seen = {(f.rule, f.address) for f in refined}
    for rule in SPECIFIC_RULES:
        if rule.detect is not None:
            refined.extend(f for f in rule.detect(ctx) if (f.rule, f.address) not in seen)
    return refined


def catalog_markdown() -> str:
    """The README's rule table, generated so the two never differ."""
    lines = ["| rule | severity | finds | what it means |", "|---|---|---|---|"]
    for rule in RULES.values():
        text = rule.description.replace("|", "\\|")
        lines.append(f"| `{rule.id}` | {rule.severity} | {', '.join(rule.kinds)} | {text} |")
    return "\n".join(lines) + "\n"
