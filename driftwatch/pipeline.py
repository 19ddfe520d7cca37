"""run(config) -> Result: collect -> normalise -> diff -> checks -> rules. No printing, no exit codes."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftwatch import __version__
from driftwatch.address import Address, AddressGlob, format_path, get_path, is_glob, parse_path, resource_matches
from driftwatch.baselines import BaselineLoad, Baselines, baseline_path
from driftwatch.checks import run_checks
from driftwatch.collectors import COLLECTORS
from driftwatch.collectors.base import (
    CollectContext,
    CollectorSettings,
    CollectorSpec,
    NoProgress,
    Progress,
    RequestCounter,
    thread_pool,
)
from driftwatch.config import Check, LoadedConfig
from driftwatch.diff import diff_documents
from driftwatch.errors import DriftwatchError, SnapshotError
from driftwatch.expressions import parse_requirement
from driftwatch.fingerprint import Fingerprinter, load_fingerprinter
from driftwatch.model import (
    ChangeStatus,
    Finding,
    FindingCounts,
    NotChecked,
    Resource,
    ResourceResult,
    ResourceStatus,
    Result,
    ShardPart,
    Snapshot,
    Summary,
)
from driftwatch.normalise import normalise
from driftwatch.rules import apply_rules
from driftwatch.rules.base import Rule, RuleContext, accept_command, make_finding
from driftwatch.rules.generic import DRIFT, HYGIENE, NOT_CHECKED, RESOURCE_ADDED, RESOURCE_REMOVED
from driftwatch.severity import SEVERITIES, severity_rank
from driftwatch.shard import Shard
from driftwatch.snapshot import read_snapshot, to_dict


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def whole_resource_ignored(globs: Sequence[AddressGlob], source: str, resource: str) -> bool:
    return any(g.covers_whole_resource and g.matches_resource(source, resource) for g in globs)


# -- collect ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectOptions:
    """How to collect, as opposed to what (the config): CLI flags, the demo's emulator, progress."""

    concurrency: int | None = None  # overrides the config's
    progress: Progress = field(default_factory=NoProgress)
    emulator_hosts: Mapping[str, str] | None = None  # instead of the process environment
    environ: Mapping[str, str] | None = None  # for probes' ${VAR}, instead of the process environment
    skip_kinds: frozenset[str] = frozenset()  # collector kinds not to run (`--no-probes`)
    shard: Shard | None = None  # collect only this share of the resources (`--shard I/N`)


def collect(loaded: LoadedConfig, fingerprint: Fingerprinter, options: CollectOptions | None = None) -> Snapshot:
    """Run every collector at once (each bounds its own calls) and normalise what they return.

    A collector that reads other kinds (secrets need the versions Cloud Run pins) gets an
    `upstream()` that waits for those collectors; it runs in parallel with them until it calls it.
    """
    options = options or CollectOptions()
    requests = RequestCounter()
    if loaded.discovers_projects:
        loaded = _resolve_projects(loaded, fingerprint, options, requests)
    config = loaded.config
    skipped = tuple(c.name for c in loaded.collectors if c.kind in options.skip_kinds)
    collectors = [c for c in loaded.collectors if c.kind not in options.skip_kinds]
    if not collectors:
        return Snapshot(config.project, utc_now(), fingerprint.key_id, (), (), skipped, projects=loaded.projects)
    with thread_pool(len(collectors), "collect") as pool:
        futures: dict[str, Future[list[Resource | NotChecked]]] = {}
        all_submitted = threading.Event()  # a fast consumer may ask before its producer is submitted

        def upstream_of(consumer: CollectorSettings) -> Callable[[], Sequence[Resource]]:
            """Resources of the kinds `consumer` reads, from collectors of its own project."""
            kinds = COLLECTORS[consumer.kind].reads_upstream
            project = _project_of(consumer, config.project)

            def wait() -> Sequence[Resource]:
                all_submitted.wait()
                producers = [
                    c.name
                    for c in collectors
                    if COLLECTORS[c.kind].resource_kind in kinds and _project_of(c, config.project) == project
                ]
                return [r for name in producers for r in futures[name].result() if isinstance(r, Resource)]

            return wait

        try:
            for settings in collectors:
                spec = COLLECTORS[settings.kind]
                ctx = _context(loaded, fingerprint, options, settings, requests, upstream_of(settings))
                futures[settings.name] = pool.submit(_collect_one, spec, settings, ctx)
        finally:
            all_submitted.set()
        outputs = [futures[c.name].result() for c in collectors]
    resources = [r for output in outputs for r in output if isinstance(r, Resource)]
    not_checked = [n for output in outputs for n in output if isinstance(n, NotChecked)]
    if options.shard is not None:
        resources, not_checked = take_share(options.shard, resources, not_checked)
    return Snapshot(
        config.project,
        utc_now(),
        fingerprint.key_id,
        tuple(resources),
        tuple(not_checked),
        skipped,
        dict(sorted(requests.counts.items())),
        loaded.projects,
    )


def _resolve_projects(
    loaded: LoadedConfig, fingerprint: Fingerprinter, options: CollectOptions, requests: RequestCounter
) -> LoadedConfig:
    """The config with its `projects` globs replaced by the projects they match now."""
    from driftwatch.collectors.projects import discover_projects

    config = loaded.config
    ctx = CollectContext(
        config_dir=loaded.dir,
        project=config.project,
        region=config.region,
        fingerprint=fingerprint,
        concurrency=1,
        skip_resource=lambda source, name: False,
        rate_limits=config.rate_limits.model_dump(),
        retries=config.retries.policy(),
        emulator_hosts=options.emulator_hosts,
        requests=requests,
    )
    projects = discover_projects(config.project_globs, config.named_projects, _baselined_projects(loaded), ctx)
    return loaded.with_projects(projects)


def _baselined_projects(loaded: LoadedConfig) -> set[str]:
    """Projects with a baselines folder of a per-project collector (`NAME.PROJECT`)."""
    folder = loaded.baselines_dir
    if not folder.is_dir():
        return set()
    prefixes = [f"{name}." for name in loaded.config.per_project_collectors()]
    return {
        entry.name[len(prefix) :]
        for entry in folder.iterdir()
        if entry.is_dir()
        for prefix in prefixes
        if entry.name.startswith(prefix)
    }


def resolved_for(loaded: LoadedConfig, snapshot: Snapshot) -> LoadedConfig:
    """The config as the snapshot was taken: its `projects` globs resolved to the same projects."""
    if not loaded.discovers_projects:
        return loaded
    if snapshot.projects is None:
        raise SnapshotError(
            "the snapshot was taken without the config's `projects` globs, so it cannot say which projects they match",
            hint="take it again with this config",
        )
    return loaded.with_projects(snapshot.projects)


def take_share(
    shard: Shard, resources: list[Resource], not_checked: list[NotChecked]
) -> tuple[list[Resource], list[NotChecked]]:
    """This shard's resources. NOT_CHECKED patterns (`jwt-*` when a list failed) stay in every
    shard: each shard's baselined names under them must be NOT_CHECKED there, never REMOVED."""
    mine = [r for r in resources if shard.owns(r.source, r.resource)]
    blind = [n for n in not_checked if is_glob(n.resource) or shard.owns(n.source, n.resource)]
    return mine, blind


def _collect_one(
    spec: CollectorSpec[Any], settings: CollectorSettings, ctx: CollectContext
) -> list[Resource | NotChecked]:
    """One collector's output, normalised (so downstream collectors read normalised documents)."""
    return [item if isinstance(item, NotChecked) else _normalised(item) for item in spec.collect(settings, ctx)]


def _context(
    loaded: LoadedConfig,
    fingerprint: Fingerprinter,
    options: CollectOptions,
    settings: CollectorSettings,
    requests: RequestCounter,
    upstream: Callable[[], Sequence[Resource]],
) -> CollectContext:
    config = loaded.config
    globs = loaded.ignore_globs
    return CollectContext(
        config_dir=loaded.dir,
        project=config.project,
        region=config.region,
        fingerprint=fingerprint,
        concurrency=options.concurrency or settings.concurrency or config.concurrency,
        skip_resource=lambda source, name: whole_resource_ignored(globs, source, name),
        rate_limits=config.rate_limits.model_dump(),
        retries=config.retries.policy(),
        progress=options.progress,
        emulator_hosts=options.emulator_hosts,
        environ=options.environ,
        in_shard=options.shard.owns if options.shard is not None else _everything,
        upstream=upstream,
        requests=requests,
    )


def _everything(source: str, resource: str) -> bool:
    return True


def _normalised(resource: Resource) -> Resource:
    return Resource(
        resource.source,
        resource.resource,
        resource.kind,
        normalise(resource.kind, resource.document),
        resource.origin,
        resource.lines,
        resource.secret_literals,
    )


# -- evaluate --------------------------------------------------------------------------------


@dataclass
class _Accumulator:
    resources: list[ResourceResult]
    findings: list[Finding]


def evaluate(
    loaded: LoadedConfig, snapshot: Snapshot, baselines: Baselines, *, started: float, shard: Shard | None = None
) -> Result:
    """The result of a snapshot against the baselines; with `shard`, of that share only, and
    without checks (they may span shards: `merge` judges them over every share)."""
    loaded = resolved_for(loaded, snapshot)
    config = loaded.config
    globs = loaded.ignore_globs
    kinds = {c.name: COLLECTORS[c.kind].resource_kind for c in loaded.collectors if c.name not in snapshot.skipped}
    live = {(r.source, r.resource): r for r in snapshot.resources if r.source in kinds}
    owns = shard.owns if shard is not None else _everything
    acc = _Accumulator([], [])
    for source, kind in kinds.items():
        _evaluate_source(source, kind, live, snapshot.not_checked, baselines, globs, acc, owns)
    acc.findings.extend(_hygiene(r for r in live.values()))
    checks = [c for c in config.checks if shard is None and not _reads_skipped(c, snapshot.skipped)]
    acc.findings.extend(run_checks(checks, live, location=os.path.relpath(loaded.path, loaded.dir)))
    settings = {c.name: c for c in loaded.collectors}
    rule_ctx = RuleContext(
        config.project,
        config.region,
        documents={k: r.document for k, r in live.items()},
        kinds=kinds,
        baselines={(r.source, r.resource): r.document for s in kinds for r in baselines.for_source(s)},
        tags={k: settings[k[0]].tags_for(k[1], r.document) for k, r in live.items()},
        locations={name: _location_of(c) for name, c in settings.items()},
    )
    findings = [_located(f, loaded, baselines) for f in apply_rules(acc.findings, rule_ctx) if not _ignored(f, globs)]
    resources = _final_statuses(acc.resources, findings)
    findings.sort(key=lambda f: (-severity_rank(f.severity), f.kind, f.address))
    return Result(
        driftwatch_version=__version__,
        generated_at=utc_now(),
        project=config.project,
        duration_s=round(time.monotonic() - started, 3),
        summary=summarise(resources, findings),
        resources=sorted(resources, key=lambda r: (r.source, r.resource)),
        findings=findings,
        requests=dict(snapshot.requests),
        shard=None if shard is None else _shard_part(shard, snapshot),
    )


def _project_of(settings: CollectorSettings, default: str | None) -> str | None:
    return _location_of(settings)[0] or default


def _location_of(settings: CollectorSettings) -> tuple[str | None, str | None]:
    """(project, region) a collector names for itself; None falls back to the config's."""
    project, region = getattr(settings, "project", None), getattr(settings, "region", None)
    return (project if isinstance(project, str) else None, region if isinstance(region, str) else None)


def _shard_part(shard: Shard, snapshot: Snapshot) -> ShardPart:
    return ShardPart(index=shard.index, count=shard.count, run_id=shard.run_id, snapshot=to_dict(snapshot))


def _evaluate_source(
    source: str,
    kind: str,
    live: dict[tuple[str, str], Resource],
    not_checked: Iterable[NotChecked],
    baselines: Baselines,
    globs: Sequence[AddressGlob],
    acc: _Accumulator,
    owns: Callable[[str, str], bool],
) -> None:
    blind = {n.resource: n for n in not_checked if n.source == source}
    names = (
        {name for (s, name) in live if s == source} | {r.resource for r in baselines.for_source(source)} | set(blind)
    )
    for name in sorted(names):
        if whole_resource_ignored(globs, source, name) or not owns(source, name):
            continue
        current, baseline = live.get((source, name)), baselines.get(source, name)
        if current is not None and baseline is not None:
            _compare(current, baseline, acc)
        elif current is not None:
            _added(current, acc)
        elif baseline is not None and (reason := blind_reason(name, blind)) is not None:
            _not_checked(source, name, kind, reason, acc)
        elif baseline is not None:
            _removed(baseline, acc)
        else:
            _not_checked(source, name, kind, blind[name].reason, acc)


def blind_reason(name: str, blind: dict[str, NotChecked]) -> str | None:
    """Why a baselined resource could not be seen, unless it is known not to exist."""
    exact = blind.get(name)
    if exact is not None:
        return None if exact.missing else exact.reason
    for pattern, entry in blind.items():
        if not entry.missing and resource_matches(pattern, name):
            return entry.reason
    return None


def _compare(current: Resource, baseline: Resource, acc: _Accumulator) -> None:
    changes = diff_documents(current.kind, current.address, baseline.document, current.document)
    for change in changes:
        address = str(change.address)
        acc.findings.append(
            make_finding(
                rule=DRIFT.id,
                kind="drift",
                status=change.status,
                severity=DRIFT.severity,
                source=current.source,
                resource=current.resource,
                address=address,
                expected=change.expected,
                actual=change.actual,
                message=f"{address} {_verb(change.status)} since the baseline.",
                hint="If the change was deliberate, accept it into the baseline; "
                "otherwise restore the baselined value.",
                commands=[accept_command(address)],
                location=_location(current, address),
            )
        )
    acc.resources.append(
        ResourceResult(
            source=current.source,
            resource=current.resource,
            kind=current.kind,
            status=ResourceStatus.DRIFTED if changes else ResourceStatus.IN_SYNC,
        )
    )


def _verb(status: ChangeStatus) -> str:
    return {
        ChangeStatus.MODIFIED: "changed",
        ChangeStatus.ADDED: "was added",
        ChangeStatus.REMOVED: "was removed",
    }.get(status, "differs")


def _added(current: Resource, acc: _Accumulator) -> None:
    hint = "Review it, then record it as expected state."
    _resource_level(current, ResourceStatus.ADDED, RESOURCE_ADDED, "exists but has no baseline", hint, acc)


def _removed(baseline: Resource, acc: _Accumulator) -> None:
    hint = "Restore it, or if it was removed on purpose, drop its baseline."
    _resource_level(
        baseline, ResourceStatus.REMOVED, RESOURCE_REMOVED, "has a baseline but no longer exists", hint, acc
    )


def _resource_level(
    resource: Resource, status: ResourceStatus, rule: Rule, what: str, hint: str, acc: _Accumulator
) -> None:
    """A whole resource appeared or disappeared: one resource entry, one finding at its address."""
    address = str(resource.address)
    acc.resources.append(
        ResourceResult(source=resource.source, resource=resource.resource, kind=resource.kind, status=status)
    )
    acc.findings.append(
        make_finding(
            rule=rule.id,
            kind="drift",
            status=ChangeStatus(status.value),
            severity=rule.severity,
            source=resource.source,
            resource=resource.resource,
            address=address,
            message=f"{address} {what}.",
            hint=hint,
            commands=[accept_command(address)],
            location=resource.origin,
        )
    )


def _not_checked(source: str, name: str, kind: str, reason: str, acc: _Accumulator) -> None:
    address = f"{source}/{name}"
    acc.resources.append(
        ResourceResult(source=source, resource=name, kind=kind, status=ResourceStatus.NOT_CHECKED, error=reason)
    )
    acc.findings.append(
        make_finding(
            rule=NOT_CHECKED.id,
            kind="error",
            status=ChangeStatus.NOT_CHECKED,
            severity=NOT_CHECKED.severity,
            source=source,
            resource=name,
            address=address,
            message=f"{address} was not checked: {reason}.",
            hint="A run that could not see everything never passes. Fix access or the name, then rerun.",
        )
    )


def _hygiene(resources: Iterable[Resource]) -> list[Finding]:
    findings: list[Finding] = []
    for resource in resources:
        for path in resource.secret_literals:
            address = f"{resource.address}:{path}"
            findings.append(
                make_finding(
                    rule=HYGIENE.id,
                    kind="hygiene",
                    status=ChangeStatus.MISMATCH,
                    severity=HYGIENE.severity,
                    source=resource.source,
                    resource=resource.resource,
                    address=address,
                    expected="a reference (Secret Manager or an environment variable)",
                    actual=get_path(resource.document, parse_path(path)),
                    message=f"A secret-like value is committed in {resource.resource} at {path}.",
                    hint="Read it at test time from Secret Manager (gcloud secrets versions access) or from the "
                    "environment, and rotate the committed value. Acknowledge with an `ignore` entry and a reason.",
                    location=_location(resource, address),
                )
            )
    return findings


def _location(resource: Resource, address: str) -> str | None:
    """`file:line` of the deepest part of the address the reader knew a line for."""
    if resource.origin is None:
        return None
    path = Address.parse(address).path
    for end in range(len(path), 0, -1):
        line = resource.lines.get(format_path(path[:end]))
        if line is not None:
            return f"{resource.origin}:{line}"
    return resource.origin


def _reads_skipped(check: Check, skipped: Sequence[str]) -> bool:
    """A check over a source the run skipped on purpose is not judged (not failed, not passed)."""
    addresses = [*(check.equal or []), *([parse_requirement(check.require).address] if check.require else [])]
    return any(AddressGlob.parse(a).source in skipped for a in addresses)


def _located(finding: Finding, loaded: LoadedConfig, baselines: Baselines) -> Finding:
    """Every finding points at a file a reviewer can open (SARIF needs one): collectors and checks
    set theirs (file:line, driftwatch.yaml); the rest point at the resource's baseline."""
    if finding.location is not None:
        return finding
    if baselines.get(finding.source, finding.resource) is not None:
        path = baseline_path(baselines.folder, finding.source, finding.resource)
    else:
        path = loaded.path
    return finding.model_copy(update={"location": os.path.relpath(path, loaded.dir)})


def _ignored(finding: Finding, globs: Sequence[AddressGlob]) -> bool:
    if finding.kind == "error" or finding.status is ChangeStatus.NOT_CHECKED:
        return False  # never hide that something could not be read
    try:
        address = Address.parse(finding.address)
    except DriftwatchError:
        return False
    return any(g.matches(address) for g in globs)


def _final_statuses(resources: list[ResourceResult], findings: list[Finding]) -> list[ResourceResult]:
    """A resource whose drift findings were all ignored is in sync."""
    drifted = {(f.source, f.resource) for f in findings if f.kind == "drift"}
    return [
        r.model_copy(update={"status": ResourceStatus.IN_SYNC})
        if r.status is ResourceStatus.DRIFTED and (r.source, r.resource) not in drifted
        else r
        for r in resources
    ]


def summarise(resources: Sequence[ResourceResult], findings: Sequence[Finding]) -> Summary:
    count = {status: sum(r.status is status for r in resources) for status in ResourceStatus}
    baselined = count[ResourceStatus.IN_SYNC] + count[ResourceStatus.DRIFTED]
    collected = baselined + count[ResourceStatus.ADDED]
    severities = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
    return Summary(
        resources=len(resources),
        in_sync=count[ResourceStatus.IN_SYNC],
        drifted=count[ResourceStatus.DRIFTED],
        added=count[ResourceStatus.ADDED],
        removed=count[ResourceStatus.REMOVED],
        not_checked=count[ResourceStatus.NOT_CHECKED],
        coverage=round(baselined / collected, 4) if collected else 0.0,
        findings=FindingCounts(**severities),
    )


# -- entry points ----------------------------------------------------------------------------


@contextlib.contextmanager
def _rare_gc_passes() -> Iterator[None]:
    """A check allocates millions of short-lived objects (protobuf messages, parsed documents)
    and keeps the long-lived ones; at the default threshold of 700 the cycle collector runs
    thousands of passes, 4 % of a 1,000-secret scan's time under the GIL (benchmarks/scan.py)."""
    before = gc.get_threshold()
    gc.freeze()  # what is imported by now lives as long as the process: never scan it again
    gc.set_threshold(20_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def check(loaded: LoadedConfig, *, from_snapshot: Path | None = None, options: CollectOptions | None = None) -> Result:
    started = time.monotonic()
    options = options or CollectOptions()
    # Baselines are parsed while the live side is read.
    with _rare_gc_passes(), BaselineLoad(loaded.baselines_dir, busy_caller=from_snapshot is None) as baselines:
        fingerprint = load_fingerprinter(loaded.baselines_dir)
        if from_snapshot is not None:
            snapshot = read_snapshot(from_snapshot)
            if snapshot.key_id != fingerprint.key_id:
                raise SnapshotError(
                    f"{from_snapshot}: made with another fingerprint key than {loaded.baselines_dir}",
                    hint="use the same DRIFTWATCH_FINGERPRINT_KEY or baselines salt for both",
                )
        else:
            snapshot = collect(loaded, fingerprint, options)
        return evaluate(loaded, snapshot, baselines.result(), started=started, shard=options.shard)
