"""Secret rules: the shared-key mismatch of the problem report, unreadable and pinned versions,
rotation and expiry. Version archaeology says which version a mismatching value matches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from driftwatch.fingerprint import is_fingerprint
from driftwatch.model import ChangeStatus, Finding
from driftwatch.normalise.secret import UNREADABLE_STATES
from driftwatch.rules.base import Facts, Rule, RuleContext, project_of, run_flags

KIND = "secret"
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class Version:
    number: int | None
    state: str
    created: str | None = None
    fingerprint: str | None = None

    def describe(self) -> str:
        when = f", created {self.created[:10]}" if self.created else ""
        return f"version {self.number if self.number is not None else '?'} ({self.state}{when})"


def secret_document(
    ctx: RuleContext, name: str, baseline: bool = False, project: str | None = None
) -> dict[str, Any] | None:
    """A secret's document by name, in `project` when given (a service reads its own project's)."""
    documents = ctx.baselines if baseline else ctx.documents
    for (source, resource), document in sorted(documents.items()):
        if resource == name and ctx.kinds.get(source) == KIND and project in (None, ctx.project_for(source)):
            return document
    return None


def known_versions(ctx: RuleContext, name: str, project: str | None = None) -> dict[int, Version]:
    """Every version of a secret we know a fact about: live state, and fingerprints the baseline
    recorded while a version was still readable (a disabled version cannot be accessed)."""
    versions: dict[int, Version] = {}
    for baseline in (True, False):  # live facts override recorded ones; fingerprints survive
        document = secret_document(ctx, name, baseline, project) or {}
        rows = [
            {**entry, "version": int(number)}
            for number, entry in (document.get("versions") or {}).items()
            if isinstance(entry, dict) and str(number).isdigit()
        ]
        pinned = ((document.get("status") or {}).get("versions") or {}).values()
        rows += [entry for entry in pinned if isinstance(entry, dict) and entry.get("version") is not None]
        latest = document.get("latest") or {}
        if latest.get("version") is not None:
            rows.append({**latest, "fingerprint": document.get("value")})
        for row in rows:
            number = int(row["version"])
            old = versions.get(number)
            versions[number] = Version(
                number,
                str(row.get("state") or (old.state if old else "UNKNOWN")),
                row.get("create_time") or (old.created if old else None),
                row.get("fingerprint") or (old.fingerprint if old else None),
            )
    return versions


def resolve_ref(ctx: RuleContext, name: str, ref: str, project: str | None = None) -> Version | None:
    """What a Cloud Run `{secret, version}` reads: `latest` as Secret Manager resolves it."""
    document = secret_document(ctx, name, project=project)
    if document is None:
        return None
    versions = known_versions(ctx, name, project)
    if ref == "latest":
        latest = document.get("latest") or {}
        number = latest.get("version")
        return versions.get(int(number)) if number is not None else None
    pinned = ((document.get("status") or {}).get("versions") or {}).get(ref)
    if isinstance(pinned, dict) and pinned.get("version") is None:
        return Version(None, str(pinned.get("state", "UNKNOWN")))
    number = pinned.get("version") if isinstance(pinned, dict) else (int(ref) if ref.isdigit() else None)
    return versions.get(int(number)) if number is not None else None


def archaeology(
    ctx: RuleContext, name: str, fingerprint: Any, reads: str, holder: str, reader: str, project: str | None = None
) -> str:
    """ "HOLDER holds version 2 (DISABLED, created ...); READER reads latest = version 3 (...)."""
    versions = known_versions(ctx, name, project)
    reading = resolve_ref(ctx, name, reads, project)
    if reading is None:
        read_text = f"{reader} reads {name} {reads}"
    elif reads == "latest":
        read_text = f"{reader} reads {name} latest = {reading.describe()}"
    else:
        read_text = f"{reader} reads {name} {reading.describe()}"
    matches = [v for v in versions.values() if is_fingerprint(fingerprint) and v.fingerprint == fingerprint]
    if matches:
        return f"{holder} holds {name} {matches[0].describe()}; {read_text}."
    return f"{holder} matches no known version of {name}; {read_text}."


def _secret_ref(facts: Facts) -> dict[str, Any] | None:
    node = facts.live_at()
    return node if isinstance(node, dict) and "secret" in node else None


def _shared_key_message(facts: Facts) -> str:
    f = facts.finding
    ref = _secret_ref(facts)
    holder = f.related[0] if f.related else "the other value"
    project = facts.ctx.project_for(f.source)
    if ref is None:  # the check compares the secret resource itself
        story = archaeology(facts.ctx, f.resource, f.expected, "latest", holder, "Secret Manager", project)
        return f"{f.message}. {story}"
    name, reads = str(ref["secret"]), str(ref.get("version", "latest"))
    return f"{f.message}. " + archaeology(facts.ctx, name, f.expected, reads, holder, f.resource, project)


def _shared_key_commands(facts: Facts) -> list[str]:
    ref = _secret_ref(facts)
    name = str(ref["secret"]) if ref else facts.finding.resource
    project = project_of(facts.ctx, facts.finding.source)
    commands = [f"gcloud secrets versions add {name} --data-file=- --project={project}"]
    if ref is not None:
        env = facts.variables()["env"]
        commands.append(
            f"gcloud run services update {facts.finding.resource} --update-secrets={env}={name}:latest "
            f"{run_flags(facts.ctx, facts.finding.source)}"
        )
    commands.append(f"gcloud secrets versions access latest --secret={name} --project={project}")
    return commands


SHARED_KEY = Rule(
    "secret.shared-key-mismatch",
    "critical",
    ("check",),
    "A key the tests send (e.g. the e2e bypass key) is not the secret version the service reads.",
    when=lambda facts: (
        (_secret_ref(facts) is not None or facts.resource_kind == KIND)
        and is_fingerprint(facts.finding.expected)
        and _unreadable_version(facts) is None  # that is secret.version-unreadable's finding
    ),
    message=_shared_key_message,
    hint="Either add the tests' key as a new version and redeploy the service so new instances read it "
    "(first two commands; the key goes on stdin, never on the command line), or make the tests read the "
    "key from Secret Manager at run time (last command) instead of committing it.",
    commands=_shared_key_commands,
    explains=(r"invalid (e2e )?bypass key", r"simulation.?key", r"\b401\b", r"unauthori[sz]ed", r"auth.*fail"),
)


def _unreadable_version(facts: Facts) -> tuple[str, Version] | None:
    """(secret, version) when the finding is about a secret version no one can read: the one a
    Cloud Run env var reads, or a secret's `latest`, looked up in the collected documents."""
    ref = _secret_ref(facts)
    if ref is not None:
        name, reads = str(ref["secret"]), str(ref.get("version", "latest"))
    elif facts.resource_kind == KIND and facts.path == ("latest", "state"):
        name, reads = facts.finding.resource, "latest"
    else:
        return None
    version = resolve_ref(facts.ctx, name, reads, facts.ctx.project_for(facts.finding.source))
    return (name, version) if version is not None and version.state in UNREADABLE_STATES else None


def _unreadable_commands(facts: Facts) -> list[str]:
    found = _unreadable_version(facts)
    return _version_fix(*found, project_of(facts.ctx, facts.finding.source)) if found else []


@dataclass(frozen=True)
class Pin:
    """A Cloud Run env var that reads a secret (`source` tells the service's project)."""

    source: str
    service: str
    address: str
    secret: str
    ref: str


def _pins(ctx: RuleContext) -> list[Pin]:
    """Every env var of a collected service that reads a secret."""
    pins = []
    for source, service, document in ctx.documents_of("cloud-run"):
        for container, spec in ((document.get("template") or {}).get("containers") or {}).items():
            for env, entry in (spec.get("env") or {}).items():
                if isinstance(entry, dict) and "secret" in entry:
                    address = f"{source}/{service}:template.containers.{container}.env.{env}"
                    version = str(entry.get("version", "latest"))
                    pins.append(Pin(source, service, address, str(entry["secret"]), version))
    return pins


def _detect_unreadable(ctx: RuleContext) -> list[Finding]:
    findings = []
    for pin in _pins(ctx):
        version = resolve_ref(ctx, pin.secret, pin.ref, ctx.project_for(pin.source))
        if version is None or version.state not in UNREADABLE_STATES:
            continue
        findings.append(
            VERSION_UNREADABLE.detected(
                pin.address,
                expected="ENABLED",
                actual=version.state,
                message=f"{pin.service} reads secret {pin.secret} {pin.ref} = {version.describe()}: "
                "new instances cannot start.",
                commands=_version_fix(pin.secret, version, project_of(ctx, pin.source)),
            )
        )
    return findings


def _version_fix(name: str, version: Version, project: str) -> list[str]:
    if version.state == "DISABLED" and version.number is not None:
        return [f"gcloud secrets versions enable {version.number} --secret={name} --project={project}"]
    return [f"gcloud secrets versions add {name} --data-file=- --project={project}"]


VERSION_UNREADABLE = Rule(
    "secret.version-unreadable",
    "critical",
    ("check", "drift"),
    "A secret version a service reads (or `latest`) is DISABLED or DESTROYED: new instances fail to start.",
    paths=("**",),
    when=lambda facts: _unreadable_version(facts) is not None,
    hint="Cloud Run resolves the secret when an instance starts; an unreadable version stops new "
    "instances. Re-enable the version, or add a new one and point the service at it.",
    commands=_unreadable_commands,
    explains=(r"secret.*(disabled|destroyed)", r"failed to start", r"container failed"),
    detect=_detect_unreadable,
)


def _detect_pinned(ctx: RuleContext) -> list[Finding]:
    findings = []
    for pin in _pins(ctx):
        if pin.ref == "latest":
            continue
        project = ctx.project_for(pin.source)
        reading = resolve_ref(ctx, pin.secret, pin.ref, project)
        latest = resolve_ref(ctx, pin.secret, "latest", project)
        if reading is None or latest is None or reading.number is None or reading.number == latest.number:
            continue
        if reading.state in UNREADABLE_STATES:
            continue  # secret.version-unreadable says it louder
        env = pin.address.rsplit(".", 1)[-1]
        update = f"--update-secrets={env}={pin.secret}:latest {run_flags(ctx, pin.source)}"
        findings.append(
            PINNED_OLD.detected(
                pin.address,
                expected=f"latest ({latest.describe()})",
                actual=reading.describe(),
                message=f"{pin.service} env {env} is pinned to secret {pin.secret} {reading.describe()}, "
                "not the latest.",
                commands=[f"gcloud run services update {pin.service} {update}"],
            )
        )
    return findings


PINNED_OLD = Rule(
    "secret.pinned-not-latest",
    "medium",
    ("check",),
    "A service reads a pinned secret version older than the latest: rotations do not reach it.",
    hint="A rotated secret reaches this service only when its pin moves; tests that read `latest` disagree.",
    detect=_detect_pinned,
    refines=False,
)

NEW_VERSION = Rule(
    "secret.new-version",
    "info",
    ("drift",),
    "A secret has a new version since the baseline (a rotation).",
    resource_kind=KIND,
    paths=("latest.version", "value", "versions.*"),
    when=lambda facts: (
        facts.path != ("versions",) and (facts.path[0] != "versions" or facts.finding.status is ChangeStatus.ADDED)
    ),
    message="Secret {resource} was rotated: {path} {expected} -> {actual}.",
    hint="Services reading `latest` pick it up on their next instance; anything holding a copy (test "
    "configs, pinned services) now disagrees. Accept it into the baseline once they are updated.",
)

VERSION_STATE = Rule(
    "secret.version-state",
    "medium",
    ("drift",),
    "A secret version was disabled, destroyed or re-enabled since the baseline.",
    resource_kind=KIND,
    paths=("versions.*.state", "versions.*.fingerprint", "latest.state"),
    message="Secret {resource} {path}: {expected} -> {actual}.",
    hint="A disabled or destroyed version can no longer be read (its fingerprint disappears with it); "
    "whatever still uses it breaks.",
)


def _detect_expiring(ctx: RuleContext, now: dt.datetime | None = None) -> list[Finding]:
    now = now or dt.datetime.now(dt.UTC)
    findings = []
    for source, name, document in ctx.documents_of(KIND):
        expiry = document.get("expire_time")
        if not isinstance(expiry, str):
            continue
        try:
            when = dt.datetime.fromisoformat(expiry.replace("Z", "+00:00"))
        except ValueError:
            continue
        days = (when - now).total_seconds() / 86400
        if days > EXPIRY_WARNING_DAYS:
            continue
        findings.append(
            EXPIRING.detected(
                f"{source}/{name}:expire_time",
                expected=f"more than {EXPIRY_WARNING_DAYS} days",
                actual=expiry,
                message=f"Secret {name} expires {expiry[:10]} ({max(days, 0):.0f} days): it is deleted then.",
                commands=[f"gcloud secrets update {name} --remove-expiration --project={project_of(ctx, source)}"],
            )
        )
    return findings


EXPIRING = Rule(
    "secret.expiring",
    "high",
    ("check",),
    f"A secret expires within {EXPIRY_WARNING_DAYS} days; Secret Manager deletes it at expiry.",
    hint="An expired secret is deleted with all its versions; every service reading it fails to start.",
    detect=_detect_expiring,
    refines=False,
)

RULES = (SHARED_KEY, VERSION_UNREADABLE, PINNED_OLD, NEW_VERSION, VERSION_STATE, EXPIRING)
