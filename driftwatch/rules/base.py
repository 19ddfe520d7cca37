"""The rule seam: a rule names a kind of problem and says why it matters and what to run.

A rule is one data entry: which findings it applies to (finding kind, resource kind, path
globs, change status, an optional predicate over the documents), the severity, and message,
hint and command templates. Detector rules also look at live state on their own (a service
pinned to an old secret version is a problem even when nothing changed). `explains` lists the
failing-test messages a finding of the rule explains (`driftwatch explain`).

Templates are `str.format` strings over `Facts.variables()`: project, region, resource, the
env var name, expected/actual values. Values that are fingerprints never reach a command; a
command gets the placeholder VALUE instead, and plaintext secrets never reach here at all.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from driftwatch.address import Address, format_path, get_path, path_matches
from driftwatch.model import ChangeStatus, Finding, FindingKind, finding_id
from driftwatch.severity import Severity, severity_rank

Key = tuple[str, str]  # (source, resource)
PLACEHOLDER = "VALUE"
_MASKED = re.compile(r"fp:[0-9a-f]{12}")


@dataclass(frozen=True)
class RuleContext:
    """What a rule may read: run-wide facts, never another stage's internals."""

    project: str | None
    region: str | None
    documents: Mapping[Key, dict[str, Any]] = field(default_factory=dict)  # live, normalised
    kinds: Mapping[str, str] = field(default_factory=dict)  # source -> resource kind
    baselines: Mapping[Key, dict[str, Any]] = field(default_factory=dict)
    tags: Mapping[Key, frozenset[str]] = field(default_factory=dict)  # "websocket", "latency-critical"
    findings: tuple[Finding, ...] = ()  # every finding of the run before refinement, for cross-links
    locations: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)  # source -> project, region

    def project_for(self, source: str | None) -> str | None:
        """The project a source reads (its collector's own, one of `projects`, or the default)."""
        own = self.locations.get(source or "", (None, None))[0]
        return own or self.project

    def region_for(self, source: str | None) -> str | None:
        own = self.locations.get(source or "", (None, None))[1]
        return own or self.region

    def source_of(self, kind: str, resource: str, project: str | None = None) -> str | None:
        """The source that holds a resource of a kind by name (in `project` when given)."""
        return next(
            (s for s, r, _ in self.documents_of(kind) if r == resource and project in (None, self.project_for(s))),
            None,
        )

    def documents_of(self, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(source, resource, live document) of every resource of a kind, in a stable order."""
        return [(s, r, doc) for (s, r), doc in sorted(self.documents.items()) if self.kinds.get(s) == kind]


@dataclass(frozen=True)
class Facts:
    """One finding seen through its resource: what predicates and templates read."""

    finding: Finding
    ctx: RuleContext

    @cached_property
    def address(self) -> Address:
        return Address.parse(self.finding.address)

    @property
    def path(self) -> tuple[str, ...]:
        return self.address.path

    @property
    def key(self) -> Key:
        return (self.finding.source, self.finding.resource)

    @property
    def resource_kind(self) -> str | None:
        return self.ctx.kinds.get(self.finding.source)

    @property
    def live(self) -> dict[str, Any] | None:
        return self.ctx.documents.get(self.key)

    @property
    def baseline(self) -> dict[str, Any] | None:
        return self.ctx.baselines.get(self.key)

    @property
    def tags(self) -> frozenset[str]:
        return self.ctx.tags.get(self.key, frozenset())

    def live_at(self, path: tuple[str, ...] | None = None) -> Any:
        """The live value at the finding's path (or `path`); None when it is gone."""
        if self.live is None:
            return None
        try:
            return get_path(self.live, self.path if path is None else path)
        except (KeyError, IndexError, TypeError):
            return None

    def variables(self) -> dict[str, str]:
        f = self.finding
        path = self.path
        env = path[path.index("env") + 1] if "env" in path[:-1] and path[0] == "template" else ""
        return {
            "project": project_of(self.ctx, f.source),
            "region": self.ctx.region_for(f.source) or "REGION",
            "resource": f.resource,
            "address": f.address,
            "path": format_path(path),
            "leaf": path[-1] if path else "",
            "env": env,
            "expected": display(f.expected),
            "actual": display(f.actual),
            "expected_arg": shell_value(f.expected),
            "actual_arg": shell_value(f.actual),
        }


Predicate = Callable[[Facts], bool]
Detector = Callable[[RuleContext], list[Finding]]
Commands = Callable[[Facts], list[str]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    kinds: tuple[FindingKind, ...]
    description: str
    resource_kind: str | None = None
    paths: tuple[str, ...] = ()  # path globs inside the document; empty: any
    changes: tuple[ChangeStatus, ...] = ()  # empty: any
    when: Predicate | None = None
    message: str | Callable[[Facts], str] = ""  # empty: keep the finding's
    hint: str = ""
    commands: tuple[str, ...] | Commands = ()
    explains: tuple[str, ...] = ()  # regexes over a failing test's text
    detect: Detector | None = None  # also finds problems in live state by itself
    refines: bool = True  # False: a detector only, it never rewrites other findings

    def applies(self, facts: Facts) -> bool:
        f = facts.finding
        if not self.refines or f.kind not in self.kinds or f.status is ChangeStatus.NOT_CHECKED:
            return False
        if self.resource_kind is not None and facts.resource_kind != self.resource_kind:
            return False
        if self.paths and not any(path_matches(p, facts.path) for p in self.paths):
            return False
        if self.changes and f.status not in self.changes:
            return False
        return self.when is None or self.when(facts)

    def refine(self, facts: Facts) -> Finding:
        """The finding in this rule's words. A check keeps its configured severity if higher."""
        f = facts.finding
        values = facts.variables()
        severity = self.severity
        if f.kind == "check" and severity_rank(f.severity) > severity_rank(severity):
            severity = f.severity
        update: dict[str, Any] = {"rule": self.id, "severity": severity}
        if f.kind != "check":
            update["id"] = finding_id(self.id, f.address)
        if callable(self.message):
            update["message"] = self.message(facts)
        elif self.message and f.kind != "check":  # a configured check keeps its own words
            update["message"] = self.message.format_map(values)
        if self.hint:
            update["hint"] = self.hint.format_map(values)
        commands = self.commands(facts) if callable(self.commands) else [c.format_map(values) for c in self.commands]
        if commands:
            update["commands"] = [*commands, *f.commands]
        return f.model_copy(update=update)

    def detected(
        self, address: str, *, expected: Any, actual: Any, message: str, commands: list[str] | None = None
    ) -> Finding:
        """A problem this detector found in live state (no baseline change involved)."""
        parsed = Address.parse(address)
        return make_finding(
            rule=self.id,
            kind="check",
            status=ChangeStatus.MISMATCH,
            severity=self.severity,
            source=parsed.source,
            resource=parsed.resource,
            address=address,
            expected=expected,
            actual=actual,
            message=message,
            hint=self.hint,
            commands=commands,
        )

    def matching_patterns(self, text: str) -> int:
        """How many of this rule's failure patterns a failing test's text matches."""
        return sum(re.search(pattern, text, re.I) is not None for pattern in self.explains)

    def catalog_entry(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "kinds": list(self.kinds),
            "description": self.description,
        }


def display(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict) and set(value) == {"value"}:
        return display(value["value"])
    if isinstance(value, dict) and "secret" in value:
        return f"{value['secret']}:{value.get('version', 'latest')}"
    return str(value)


def shell_value(value: Any) -> str:
    """A value as one shell word for a command; fingerprints become the VALUE placeholder."""
    if isinstance(value, dict) and set(value) == {"value"}:
        value = value["value"]
    if value is None or isinstance(value, dict | list) or _MASKED.search(display(value)):
        return PLACEHOLDER  # a fingerprint (or a value with one inside) is no value to set
    return shlex.quote(display(value))


def project_of(ctx: RuleContext, source: str | None = None) -> str:
    """The project for a command about a resource of `source`; a visible placeholder when the
    config names none."""
    return ctx.project_for(source) or "PROJECT"


def run_flags(ctx: RuleContext, source: str | None = None) -> str:
    return f"--region={ctx.region_for(source) or 'REGION'} --project={project_of(ctx, source)}"


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
    related: list[str] | None = None,
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
        related=related or [],
    )


def accept_command(address: str) -> str:
    return f"driftwatch baseline update {shlex.quote(address)}"
