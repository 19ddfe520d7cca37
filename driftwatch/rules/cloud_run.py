"""Cloud Run rules: WebSockets, networking, env vars, security and scaling.

Each entry says what a change breaks and the `gcloud run services update` flag that puts it
back. Paths are over the normalised v2 Service (CONTRACT section 3).
"""

from __future__ import annotations

from driftwatch.address import get_path
from driftwatch.model import ChangeStatus, Finding
from driftwatch.normalise.common import duration_seconds
from driftwatch.rules.base import Facts, Rule, RuleContext, run_flags

KIND = "cloud-run"
UPDATE = "gcloud run services update {resource} {flags}"
WEBSOCKET_TIMEOUT_S = 3600
MODIFIED, ADDED, REMOVED = ChangeStatus.MODIFIED, ChangeStatus.ADDED, ChangeStatus.REMOVED


def _update(facts: Facts, *flags: str) -> list[str]:
    values = facts.variables()
    extra = " ".join(flag.format_map(values) for flag in flags)
    return [
        UPDATE.format(resource=facts.finding.resource, flags=f"{extra} {run_flags(facts.ctx, facts.finding.source)}")
    ]


def _websocket(facts: Facts) -> bool:
    return "websocket" in facts.tags


def _timeout_cut(facts: Facts) -> bool:
    actual = duration_seconds(facts.live_at())
    expected = duration_seconds(facts.finding.expected) if facts.finding.kind == "drift" else None
    return actual is not None and (actual < WEBSOCKET_TIMEOUT_S or (expected is not None and actual < expected))


WEBSOCKET_TIMEOUT = Rule(
    "cloud-run.websocket-timeout",
    "high",
    ("drift", "check"),
    "A WebSocket service's request timeout is below an hour or was lowered: Cloud Run closes "
    "every WebSocket when the request timeout ends.",
    resource_kind=KIND,
    paths=("template.timeout",),
    when=lambda facts: _websocket(facts) and _timeout_cut(facts),
    message="WebSocket service {resource} now cuts every connection after {actual} (baseline {expected}).",
    hint="Cloud Run treats a WebSocket as one long request: sessions, subprotocol handshakes and "
    "long agent runs die at the request timeout. Restore it (3600s is the usual floor).",
    commands=lambda facts: _update(facts, f"--timeout={WEBSOCKET_TIMEOUT_S}"),
    explains=(
        r"time(d)? ?out",
        r"\b1006\b",
        r"abnormal closure",
        r"connection (was )?closed",
        r"subprotocol",
        r"handshake",
    ),
)

WEBSOCKET_AFFINITY = Rule(
    "cloud-run.websocket-session-affinity",
    "high",
    ("drift",),
    "Session affinity was turned off on a WebSocket service: reconnects land on other instances.",
    resource_kind=KIND,
    paths=("template.session_affinity",),
    when=lambda facts: _websocket(facts) and facts.live_at() is False,
    message="Session affinity is off on WebSocket service {resource} (baseline {expected}).",
    hint="Without affinity a reconnecting client reaches another instance and loses its session state.",
    commands=lambda facts: _update(facts, "--session-affinity"),
    explains=(r"reconnect", r"session (not found|expired)", r"subprotocol"),
)


def _h2c_ports(ctx: RuleContext) -> list[Finding]:
    findings = []
    for source, name, document in ctx.documents_of(KIND):
        if "websocket" not in ctx.tags.get((source, name), frozenset()):
            continue
        for container, spec in ((document.get("template") or {}).get("containers") or {}).items():
            if "h2c" in (spec.get("ports") or {}):
                address = f"{source}/{name}:template.containers.{container}.ports.h2c"
                findings.append(
                    WEBSOCKET_H2C.detected(
                        address,
                        expected="http1",
                        actual="h2c",
                        message=f"WebSocket service {name} serves end-to-end HTTP/2 (h2c port).",
                        commands=[f"gcloud run services update {name} --no-use-http2 {run_flags(ctx, source)}"],
                    )
                )
    return findings


WEBSOCKET_H2C = Rule(
    "cloud-run.websocket-h2c",
    "high",
    ("check", "drift"),
    "A WebSocket service uses end-to-end HTTP/2 (an `h2c` port): the upgrade handshake cannot pass.",
    resource_kind=KIND,
    paths=("template.containers.*.ports.h2c",),
    changes=(ADDED,),
    when=_websocket,
    message="WebSocket service {resource} switched to end-to-end HTTP/2 (h2c port).",
    hint="WebSockets need an HTTP/1.1 upgrade; remove the h2c port.",
    commands=lambda facts: _update(facts, "--no-use-http2"),
    explains=(r"subprotocol", r"upgrade", r"handshake", r"\b426\b"),
    detect=_h2c_ports,
)

VPC_CHANGED = Rule(
    "cloud-run.vpc-access",
    "high",
    ("drift",),
    "The VPC connector, Direct VPC network/subnet or egress setting changed or was removed: private "
    "IPs (Redis, databases) may be unreachable.",
    resource_kind=KIND,
    paths=("template.vpc_access", "template.vpc_access.**"),
    message="VPC access of {resource} changed at {path}: {expected} -> {actual}.",
    hint="Redis and other private-IP services are reached through the VPC; with the wrong connector, "
    "network or egress setting the service cannot reach them (or sends all traffic through the VPC).",
    commands=lambda facts: _vpc_fix(facts),
    explains=(r"redis", r"ECONNREFUSED", r"connection (refused|reset|timed out|failed)", r"no route to host", r"6379"),
)


def _vpc_fix(facts: Facts) -> list[str]:
    leaf = facts.path[-1] if facts.path else ""
    expected = facts.finding.expected
    if leaf == "egress" and isinstance(expected, str):
        return _update(facts, f"--vpc-egress={expected.lower().replace('_', '-')}")
    if leaf == "connector" and isinstance(expected, str):
        return _update(facts, f"--vpc-connector={expected}")
    if leaf in ("network", "subnetwork") and isinstance(expected, str):
        return _update(facts, f"--{leaf}={expected}")
    return []


CLOUD_SQL = Rule(
    "cloud-run.cloud-sql",
    "high",
    ("drift",),
    "A Cloud SQL instance attachment changed or was removed: the service loses its database socket.",
    resource_kind=KIND,
    paths=("template.volumes.*.cloud_sql_instance", "template.volumes.*.cloud_sql_instance.**", "template.volumes.*"),
    when=lambda facts: "cloud_sql_instance" in str(facts.finding.expected) + str(facts.path),
    message="Cloud SQL attachment of {resource} changed at {path}.",
    hint="The service reaches Cloud SQL through this volume; restore the instance connection name.",
    commands=lambda facts: _update(facts, "--set-cloudsql-instances=INSTANCE_CONNECTION_NAME"),
    explains=(r"postgres", r"could not connect to server", r"cloudsql", r"database .*timeout"),
)

ENV_SECRET_REF = Rule(
    "cloud-run.env-secret-changed",
    "high",
    ("drift",),
    "An env var now reads another secret or secret version.",
    resource_kind=KIND,
    paths=("template.containers.*.env.*.secret", "template.containers.*.env.*.version"),
    message="{resource} env {env} now reads {path}={actual} (baseline {expected}).",
    hint="The service reads a different secret value than before; tests that share it will disagree.",
    commands=lambda facts: _env_secret_fix(facts),
)


def _env_secret_fix(facts: Facts) -> list[str]:
    baseline_entry = _baseline_env(facts)
    if not isinstance(baseline_entry, dict) or "secret" not in baseline_entry:
        return []
    ref = f"{baseline_entry['secret']}:{baseline_entry.get('version', 'latest')}"
    return _update(facts, f"--update-secrets={{env}}={ref}")


def _baseline_env(facts: Facts) -> object:
    index = facts.path.index("env") + 2
    return get_path(facts.baseline, facts.path[:index]) if facts.baseline is not None else None


ENV_VALUE = Rule(
    "cloud-run.env-changed",
    "medium",
    ("drift",),
    "An env var's value changed.",
    resource_kind=KIND,
    paths=("template.containers.*.env.*.value", "template.containers.*.env.*"),
    changes=(MODIFIED,),
    message="{resource} env {env} changed: {expected} -> {actual}.",
    hint="Restore the baselined value, or accept the change if it was deliberate.",
    commands=lambda facts: _update(facts, "--update-env-vars={env}={expected_arg}"),
    explains=(r"redis", r"connection (refused|failed)"),
)

ENV_REMOVED = Rule(
    "cloud-run.env-removed",
    "medium",
    ("drift",),
    "An env var was removed.",
    resource_kind=KIND,
    paths=("template.containers.*.env.*",),
    changes=(REMOVED,),
    message="{resource} env {env} was removed.",
    hint="The service no longer gets this setting and falls back to its code default.",
    commands=lambda facts: _env_restore(facts),
)


def _env_restore(facts: Facts) -> list[str]:
    entry = facts.finding.expected
    if isinstance(entry, dict) and "secret" in entry:
        return _update(facts, f"--update-secrets={{env}}={entry['secret']}:{entry.get('version', 'latest')}")
    return _update(facts, "--update-env-vars={env}={expected_arg}")


ENV_MISMATCH = Rule(
    "cloud-run.env-mismatch",
    "medium",
    ("check",),
    "A service env var disagrees with the value the tests (or another source) expect.",
    resource_kind=KIND,
    paths=("template.containers.*.env.*",),
    when=lambda facts: facts.finding.related != [] and "value" in (facts.live_at() or {}),
    hint="Both sides cannot be right: if the other value is the intended one, set it on the service "
    "(command below); if the service is right, update the other side instead.",
    commands=lambda facts: _update(facts, "--update-env-vars={env}={expected_arg}"),
    explains=(r"redis", r"connection (refused|failed)", r"ECONNREFUSED"),
)


def _widened(facts: Facts) -> bool:
    order = ["INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "INGRESS_TRAFFIC_ALL"]
    expected, actual = facts.finding.expected, facts.finding.actual
    return expected in order and actual in order and order.index(str(actual)) > order.index(str(expected))


INGRESS = Rule(
    "cloud-run.ingress-widened",
    "high",
    ("drift",),
    "Ingress was widened (internal -> load balancer -> all): the service is reachable from more networks.",
    resource_kind=KIND,
    paths=("ingress",),
    when=_widened,
    message="{resource} ingress widened: {expected} -> {actual}.",
    hint="A security boundary moved; restore it unless the exposure was reviewed.",
    commands=lambda facts: _update(facts, f"--ingress={_ingress_flag(facts.finding.expected)}"),
)


def _ingress_flag(value: object) -> str:
    return {
        "INGRESS_TRAFFIC_INTERNAL_ONLY": "internal",
        "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER": "internal-and-cloud-load-balancing",
    }.get(str(value), "all")


SERVICE_ACCOUNT = Rule(
    "cloud-run.service-account",
    "high",
    ("drift",),
    "The service's identity changed: it runs with other permissions (secret access, databases).",
    resource_kind=KIND,
    paths=("template.service_account",),
    message="{resource} runs as {actual} (baseline {expected}).",
    hint="A new identity may lack secretAccessor on the secrets it reads, or hold more than it needs.",
    commands=lambda facts: _update(facts, "--service-account={expected_arg}"),
    explains=(r"permission denied", r"\b403\b"),
)

INVOKER_IAM = Rule(
    "cloud-run.invoker-iam-disabled",
    "high",
    ("drift",),
    "The invoker IAM check was disabled: anyone who can reach the URL can call the service.",
    resource_kind=KIND,
    paths=("invoker_iam_disabled",),
    when=lambda facts: facts.live_at() is True,
    message="{resource} no longer checks invoker IAM.",
    hint="Unauthenticated callers can now invoke it; re-enable the check unless it is a public endpoint.",
    commands=lambda facts: _update(facts, "--invoker-iam-check"),
)


def _min_to_zero(facts: Facts) -> bool:
    return "latency-critical" in facts.tags and facts.live_at() == 0


MIN_INSTANCES = Rule(
    "cloud-run.min-instances-zero",
    "high",
    ("drift",),
    "Min instances dropped to 0 on a latency-critical service: cold starts return.",
    resource_kind=KIND,
    paths=("template.scaling.min_instance_count", "scaling.min_instance_count"),
    when=_min_to_zero,
    message="{resource} can scale to zero now (min instances {expected} -> 0): requests will hit cold starts.",
    hint="Cold starts add seconds to the first request; tests with short deadlines fail.",
    commands=lambda facts: _update(facts, "--min-instances={expected_arg}"),
    explains=(r"time(d)? ?out", r"deadline exceeded"),
)

CAPACITY = Rule(
    "cloud-run.capacity",
    "medium",
    ("drift",),
    "Concurrency or max instances changed: the service's capacity under load is different.",
    resource_kind=KIND,
    paths=("template.max_instance_request_concurrency", "template.scaling.max_instance_count", "scaling.*"),
    message="{resource} capacity setting {path} changed: {expected} -> {actual}.",
    hint="Lower capacity queues or rejects requests (429) under test load.",
    commands=lambda facts: _update(facts, _capacity_flag(facts)),
    explains=(r"\b429\b", r"too many requests", r"rate exceeded"),
)


def _capacity_flag(facts: Facts) -> str:
    leaf = facts.path[-1] if facts.path else ""
    flag = {
        "max_instance_request_concurrency": "--concurrency",
        "max_instance_count": "--max-instances",
        "min_instance_count": "--min-instances",
    }.get(leaf, "--max-instances")
    return f"{flag}={{expected_arg}}"


RULES = (
    WEBSOCKET_TIMEOUT,
    WEBSOCKET_AFFINITY,
    WEBSOCKET_H2C,
    VPC_CHANGED,
    CLOUD_SQL,
    ENV_SECRET_REF,
    ENV_REMOVED,
    ENV_VALUE,
    ENV_MISMATCH,
    INGRESS,
    SERVICE_ACCOUNT,
    INVOKER_IAM,
    MIN_INSTANCES,
    CAPACITY,
)
