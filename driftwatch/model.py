"""Types every stage speaks: resources (normalised documents), snapshots, findings, results.

Stages talk only through these. The result is the JSON contract (`driftwatch/result/v1`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from driftwatch.address import Address
from driftwatch.severity import Severity, severity_rank


class ResourceStatus(StrEnum):
    IN_SYNC = "IN_SYNC"
    DRIFTED = "DRIFTED"
    ADDED = "ADDED"
    REMOVED = "REMOVED"
    NOT_CHECKED = "NOT_CHECKED"


class ChangeStatus(StrEnum):
    MODIFIED = "MODIFIED"
    ADDED = "ADDED"
    REMOVED = "REMOVED"
    MISMATCH = "MISMATCH"
    NOT_CHECKED = "NOT_CHECKED"


FindingKind = Literal["drift", "check", "hygiene", "error"]


@dataclass(frozen=True)
class Resource:
    """One collected thing, as a normalised document (plain JSON-like data, no plaintext secrets).

    `origin` is the file it came from (test configs) for report locations; `lines` maps a
    formatted path to its line in that file where the reader knows it.
    """

    source: str
    resource: str
    kind: str
    document: dict[str, Any]
    origin: str | None = None
    lines: dict[str, int] = field(default_factory=dict)
    secret_literals: tuple[str, ...] = ()

    @property
    def address(self) -> Address:
        return Address(self.source, self.resource)


@dataclass(frozen=True)
class NotChecked:
    """A resource that could not be read. It is data, carried to every output, never 'in sync'."""

    source: str
    resource: str
    kind: str
    reason: str
    missing: bool = False  # it does not exist (REMOVED if baselined), as opposed to unreadable

    @property
    def address(self) -> Address:
        return Address(self.source, self.resource)


@dataclass(frozen=True)
class Snapshot:
    project: str | None
    generated_at: str
    key_id: str
    resources: tuple[Resource, ...]
    not_checked: tuple[NotChecked, ...] = ()
    skipped: tuple[str, ...] = ()  # sources deliberately not collected (`--no-probes`): not judged
    requests: dict[str, int] = field(default_factory=dict)  # API requests per quota class
    projects: tuple[str, ...] | None = None  # what the config's `projects` globs resolved to, if it has any


def finding_id(rule: str, address: str) -> str:
    """Stable across runs for the same problem: hashed from rule and address, never values."""
    return hashlib.sha256(f"{rule}\0{address}".encode()).hexdigest()[:16]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Finding(_Frozen):
    id: str
    rule: str
    kind: FindingKind
    status: ChangeStatus
    severity: Severity
    source: str
    resource: str
    address: str
    expected: Any = None
    actual: Any = None
    message: str
    hint: str = ""
    commands: list[str] = Field(default_factory=list)
    first_seen: str | None = None
    location: str | None = None
    related: list[str] = Field(default_factory=list)  # other addresses involved (a check's other side)


class ResourceResult(_Frozen):
    source: str
    resource: str
    kind: str
    status: ResourceStatus
    error: str | None = None


class FindingCounts(_Frozen):
    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    info: int = 0


class Summary(_Frozen):
    resources: int
    in_sync: int
    drifted: int
    added: int = 0
    removed: int = 0
    not_checked: int
    coverage: float
    findings: FindingCounts


class ResolvedFinding(_Frozen):
    id: str
    rule: str
    address: str
    severity: Severity
    first_seen: str | None = None


class TrendPoint(_Frozen):
    generated_at: str
    findings: FindingCounts
    errored: bool = False


class History(_Frozen):
    """Since the last recorded run (`check --history`): what is new, what was resolved, the trend."""

    runs: int  # recorded runs, this one included
    previous_run_at: str | None = None
    new: list[str] = Field(default_factory=list)  # finding ids not open in the previous run
    resolved: list[ResolvedFinding] = Field(default_factory=list)
    trend: list[TrendPoint] = Field(default_factory=list)  # oldest first, this run last


class ShardPart(_Frozen):
    """This result covers one share of the resources (`check --shard`); `merge` joins the shares.

    `snapshot` is the share's live state (driftwatch/snapshot/v1, fingerprints only): checks and
    cross-resource rules are judged once, by `merge`, over the union of every share.
    """

    index: int
    count: int
    run_id: str | None = None  # DRIFTWATCH_RUN_ID or CLOUD_RUN_EXECUTION: one run of every shard
    snapshot: dict[str, Any]


class Result(_Frozen):
    schema_id: Literal["driftwatch/result/v1"] = Field("driftwatch/result/v1", alias="schema")
    driftwatch_version: str
    generated_at: str
    project: str | None
    duration_s: float
    summary: Summary
    resources: list[ResourceResult]
    findings: list[Finding]
    history: History | None = None
    requests: dict[str, int] = Field(default_factory=dict)  # API requests per quota class (live runs)
    shard: ShardPart | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def reaches(self, fail_on: Severity) -> bool:
        """True when some finding is at or above `fail_on` (NOT_CHECKED is handled separately)."""
        threshold = severity_rank(fail_on)
        return any(severity_rank(f.severity) >= threshold for f in self.findings if f.kind != "error")

    @property
    def has_not_checked(self) -> bool:
        return any(r.status is ResourceStatus.NOT_CHECKED for r in self.resources) or any(
            f.status is ChangeStatus.NOT_CHECKED for f in self.findings
        )
