"""Probe rules: behaviour drift, named with the configuration drift that explains it.

A probe may name the Cloud Run service behind it (`service:`); its findings then cite the
same run's findings on that service, so "subprotocol no longer negotiated" arrives with the
timeout and session-affinity drift that cause it.
"""

from __future__ import annotations

import datetime as dt

from driftwatch.address import path_matches
from driftwatch.model import Finding
from driftwatch.rules.base import Facts, Rule, RuleContext, run_flags

KIND = "probe"
AUTH_STATUSES = (401, 403)
CERT_WARNING_DAYS = 14


def _service(facts: Facts) -> str | None:
    return next((t.split(":", 1)[1] for t in facts.tags if t.startswith("service:")), None)


WEBSOCKET_PATHS = ("template.timeout", "template.session_affinity", "ingress", "template.containers.*.ports.*")


def _related(
    facts: Facts, *, kinds: tuple[str, ...] = ("drift", "check"), paths: tuple[str, ...] = ()
) -> list[Finding]:
    """This run's findings on the service behind the probe (only at `paths`, when given)."""
    service = _service(facts)
    if service is None:
        return []
    found = []
    for f in facts.ctx.findings:
        if f.resource != service or f.kind not in kinds or facts.ctx.kinds.get(f.source) != "cloud-run":
            continue
        path = f.address.split(":", 1)[1] if ":" in f.address else ""
        if not paths or any(path_matches(p, tuple(path.split("."))) for p in paths):
            found.append(f)
    return found


def _cite(findings: list[Finding], what: str) -> str:
    if not findings:
        return ""
    paths = ", ".join(sorted({f.address.split(":", 1)[-1] for f in findings})[:6])
    return f" Same run, {what} {findings[0].resource}: {paths}."


def _cite_checks(findings: list[Finding]) -> str:
    names = sorted({f.message.split(":", 1)[0] for f in findings if f.related})
    if not names:
        return ""
    return f" Same run, the {', '.join(names)} check fails on {findings[0].resource}."


def _describe_service(facts: Facts) -> list[str]:
    service = _service(facts)
    if service is None:
        return []
    flags = run_flags(facts.ctx, facts.ctx.source_of("cloud-run", service))
    return [f"gcloud run services describe {service} {flags} --format=yaml(spec.template)"]


SUBPROTOCOL = Rule(
    "probe.subprotocol-lost",
    "high",
    ("drift",),
    "A WebSocket endpoint no longer negotiates the subprotocol it did (e.g. `jwt-auth`).",
    resource_kind=KIND,
    paths=("subprotocol",),
    message=lambda facts: (
        f"WebSocket probe {facts.finding.resource} no longer negotiates subprotocol "
        f"`{facts.finding.expected}` (now: {facts.finding.actual or 'none'})."
        + _cite(_related(facts, paths=WEBSOCKET_PATHS), "Cloud Run settings drifted on")
    ),
    hint="Clients that require the subprotocol fail ('no subprotocols supported'). Look at what sits "
    "between them and the container: the Cloud Run request timeout, session affinity, end-to-end HTTP/2, "
    "and any load balancer or proxy that rewrites Sec-WebSocket-Protocol.",
    commands=_describe_service,
    explains=(r"no subprotocols? supported", r"subprotocol", r"sec-websocket-protocol", r"negotiat"),
)

AUTH_REJECTED = Rule(
    "probe.auth-rejected",
    "critical",
    ("drift",),
    "An endpoint the tests authenticate against now rejects their credentials (401/403).",
    resource_kind=KIND,
    paths=("status",),
    when=lambda facts: facts.live_at() in AUTH_STATUSES and facts.finding.expected not in AUTH_STATUSES,
    message=lambda facts: (
        f"Probe {facts.finding.resource} is now rejected with {facts.finding.actual} "
        f"(baseline {facts.finding.expected}): the endpoint no longer accepts the key the tests send."
        + _cite_checks(_related(facts, kinds=("check",)))
    ),
    hint="Usually the key rotated on one side only: compare the tests' key with the secret version the "
    "service reads (the secret.shared-key-mismatch finding names both and the fix).",
    commands=_describe_service,
    explains=(r"invalid (e2e )?bypass key", r"\b401\b", r"\b403\b", r"unauthori[sz]ed", r"forbidden"),
)


def _detect_failing(ctx: RuleContext) -> list[Finding]:
    """A probe that fails now is a finding even when its baseline recorded the same failure."""
    findings = []
    for source, name, document in ctx.documents_of(KIND):
        error = document.get("error")
        if error is None or document.get("status") in AUTH_STATUSES:
            continue
        findings.append(
            UNREACHABLE.detected(
                f"{source}/{name}:error",
                expected="an answer",
                actual=error,
                message=f"Probe {name} failed: {error} ({document.get('kind', 'probe')} {document.get('target', '')}).",
            )
        )
    return findings


UNREACHABLE = Rule(
    "probe.unreachable",
    "high",
    ("drift",),
    "A probe target stopped answering (refused, timed out, DNS, TLS or closed mid-handshake).",
    resource_kind=KIND,
    paths=("error",),
    when=lambda facts: facts.live_at() is not None and facts.live_at(("status",)) not in AUTH_STATUSES,
    message=lambda facts: (
        f"Probe {facts.finding.resource} failed: {facts.live_at(('error',)) or 'not ok'} "
        f"(it answered at baseline)." + _cite(_related(facts), "config drift on")
    ),
    hint="The target is down or unreachable from here: for private IPs (Redis, databases) check the VPC "
    "connector and egress of the services that reach it.",
    explains=(r"connection (refused|reset|failed)", r"ECONNREFUSED", r"redis", r"time(d)? ?out", r"unreachable"),
    detect=_detect_failing,
)

STATUS_CHANGED = Rule(
    "probe.status-changed",
    "medium",
    ("drift",),
    "An endpoint answers with another status code than at baseline.",
    resource_kind=KIND,
    paths=("status",),
    message="Probe {resource} answers {actual} (baseline {expected}).",
    hint="The endpoint's behaviour changed; if that was deliberate, accept it into the baseline.",
    explains=(r"\b(404|500|502|503)\b", r"unexpected status"),
)


def _latency_message(facts: Facts) -> str:
    f = facts.finding
    return f"{f.message} (measured {f.actual} ms, budget {f.expected} ms)." + _cite(_related(facts), "config drift on")


LATENCY = Rule(
    "probe.latency-budget",
    "high",
    ("check",),
    "A probe's measured latency is over its budget (a `require` on `latency_ms`).",
    resource_kind=KIND,
    paths=("latency_ms",),
    message=_latency_message,
    hint="Latency is never compared with the baseline, only with budgets: slow dependencies (Redis, "
    "PostgreSQL) make tests with short deadlines fail before any assertion runs.",
    explains=(r"time(d)? ?out", r"deadline exceeded", r"redis", r"postgres", r"slow"),
)


def _detect_certs(ctx: RuleContext, now: dt.datetime | None = None) -> list[Finding]:
    now = now or dt.datetime.now(dt.UTC)
    findings = []
    for source, name, document in ctx.documents_of(KIND):
        expires = document.get("cert_expires")
        if not isinstance(expires, str):
            continue
        try:
            days = (dt.datetime.fromisoformat(expires).replace(tzinfo=dt.UTC) - now).days
        except ValueError:
            continue
        if days <= CERT_WARNING_DAYS:
            findings.append(
                CERT_EXPIRING.detected(
                    f"{source}/{name}:cert_expires",
                    expected=f"more than {CERT_WARNING_DAYS} days",
                    actual=expires,
                    message=f"The TLS certificate of probe {name} expires {expires} ({max(days, 0)} days).",
                )
            )
    return findings


CERT_EXPIRING = Rule(
    "probe.cert-expiring",
    "high",
    ("check",),
    f"A probed HTTPS endpoint's certificate expires within {CERT_WARNING_DAYS} days.",
    hint="Renew it (managed certificates renew themselves unless DNS or the load balancer changed).",
    detect=_detect_certs,
    refines=False,
)

RULES = (SUBPROTOCOL, AUTH_REJECTED, UNREACHABLE, STATUS_CHANGED, LATENCY, CERT_EXPIRING)
