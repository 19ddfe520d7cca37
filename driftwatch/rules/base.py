"""The rule seam: a rule names a kind of finding, and may refine severity, message, hint, commands."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from driftwatch.model import ChangeStatus, Finding, FindingKind, Severity, finding_id


@dataclass(frozen=True)
class RuleContext:
    """What a rule may read: run-wide facts, never another stage's internals."""

    project: str | None
    region: str | None
    documents: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    kinds: tuple[FindingKind, ...]
    description: str
    applies: Callable[[Finding, RuleContext], bool] = lambda finding, ctx: False
    refine: Callable[[Finding, RuleContext], Finding] = lambda finding, ctx: finding

    def catalog_entry(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "kinds": list(self.kinds),
            "description": self.description,
        }


def make_finding(
    *,
    rule: str,
    kind: FindingKind,
    status: ChangeStatus,
    severity: Severity,
    source: str,
    resource: str,
    address: str,
    message: str,
    expected: Any = None,
    actual: Any = None,
    hint: str = "",
    commands: list[str] | None = None,
    location: str | None = None,
    identity: str | None = None,
) -> Finding:
    """`identity` replaces the rule in the id when one rule yields several problems per address."""
    return Finding(
        id=finding_id(identity or rule, address),
        rule=rule,
        kind=kind,
        status=status,
        severity=severity,
        source=source,
        resource=resource,
        address=address,
        expected=expected,
        actual=actual,
        message=message,
        hint=hint,
        commands=commands or [],
        location=location,
    )


def accept_command(address: str) -> str:
    return f"driftwatch baseline update {shlex.quote(address)}"
