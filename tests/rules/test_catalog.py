"""Every rule in the catalog: one test state that triggers it (with its command), one that is quiet.

Each case runs the real pipeline: `baseline update --from-snapshot` of the baseline state, then
`check --from-snapshot` of the live state, and reads the JSON result.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from driftwatch.fingerprint import load_fingerprinter
from driftwatch.rules import RULES
from tests.conftest import config_yaml, service, write, write_snapshot

FLAGS = "--region=us-central1 --project=demo-proj"
CONFIG = config_yaml(
    """
    - {name: secrets, kind: secret-manager, versions: all}
    - name: run
      kind: cloud-run
      websocket_services: [ws]
      latency_critical_services: [fast]
    - {name: e2e, kind: test-config, files: [e2e.env]}
    - name: probes
      kind: probe
      probes:
        - {name: ws, websocket: "ws://127.0.0.1:9/ws", subprotocols: [jwt-auth], service: ws}
        - {name: auth, http: "http://127.0.0.1:9/auth", service: api}
        - {name: redis, tcp: "127.0.0.1:9"}
        - {name: site, http: "https://127.0.0.1:9/"}
    """
)
State = dict[tuple[str, str], dict[str, Any]]


def secret_doc(latest: int = 1, state: str = "ENABLED", **extra: Any) -> dict[str, Any]:
    versions = {str(n): {"state": "ENABLED", "create_time": f"2025-01-0{n}T00:00:00Z"} for n in range(1, latest + 1)}
    versions[str(latest)]["state"] = state
    doc: dict[str, Any] = {"latest": {"version": latest, "state": state}, "versions": versions, **extra}
    if state == "ENABLED":
        doc["value"] = f"fp:{latest:012x}"
        versions[str(latest)]["fingerprint"] = doc["value"]
    return doc


def base_state() -> State:
    svc = service("api", {"MODE": "staging", "KEY": ("k", "latest")}, serviceAccount="a@demo-proj.iam")
    svc["ingress"] = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    svc["template"]["maxInstanceRequestConcurrency"] = 80
    svc["template"]["vpcAccess"] = {
        "connector": "projects/demo-proj/locations/us-central1/connectors/c",
        "egress": "PRIVATE_RANGES_ONLY",
    }
    svc["template"]["volumes"] = [{"name": "cloudsql", "cloudSqlInstance": {"instances": ["demo-proj:us-central1:db"]}}]
    ws = service("ws", timeout="3600s", sessionAffinity=True)
    fast = service("fast", scaling={"minInstanceCount": 1})
    return {
        ("secrets", "k"): secret_doc(latest=1),
        ("run", "api"): svc,
        ("run", "ws"): ws,
        ("run", "fast"): fast,
        ("e2e", "e2e.env"): {"KEY": "fp:000000000001", "API_URL": "https://api.a.run.app"},
        ("probes", "ws"): {"kind": "websocket", "ok": True, "status": 101, "subprotocol": "jwt-auth", "latency_ms": 5},
        ("probes", "auth"): {"kind": "http", "ok": True, "status": 200, "latency_ms": 5},
        ("probes", "redis"): {"kind": "tcp", "ok": True, "latency_ms": 5},
        ("probes", "site"): {"kind": "http", "ok": True, "status": 200, "cert_expires": "2099-01-01", "latency_ms": 5},
    }


def with_change(change: Callable[[State], None]) -> Callable[[], State]:
    def build() -> State:
        state = base_state()
        change(state)
        return state

    return build


def template(state: State, name: str) -> dict[str, Any]:
    return state[("run", name)]["template"]


def env(state: State, name: str, key: str) -> dict[str, Any]:
    return next(e for e in template(state, name)["containers"][0]["env"] if e["name"] == key)


@dataclass
class Case:
    rule: str
    trigger: Callable[[], State]
    quiet: Callable[[], State] = base_state
    command: str | None = None  # a substring of one of its commands
    checks: str = ""
    baseline: Callable[[], State] = base_state
    literals: tuple[str, ...] = ()  # test-config keys holding committed secret-like literals
    unreadable: tuple[str, ...] = ()  # services the live snapshot could not read


def _pin(version: str, latest: int = 2, state: str = "ENABLED") -> Callable[[State], None]:
    def change(s: State) -> None:
        env(s, "api", "KEY")["valueSource"]["secretKeyRef"]["version"] = version
        s[("secrets", "k")] = secret_doc(latest=latest)
        s[("secrets", "k")]["versions"]["1"]["state"] = state

    return change


def _expiring(days: int) -> Callable[[State], None]:
    def change(s: State) -> None:
        when = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
        s[("secrets", "k")]["expire_time"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")

    return change


KEY_CHECK = 'checks:\n  - {name: key, equal: ["e2e/e2e.env:KEY", "run/api:template.containers.*.env.KEY"]}\n'
CASES = [
    Case(
        "secret.shared-key-mismatch",
        with_change(lambda s: s[("e2e", "e2e.env")].update(KEY="fp:00000000beef")),
        command="gcloud secrets versions add k --data-file=- --project=demo-proj",
        checks=KEY_CHECK,
    ),
    Case(
        "secret.version-unreadable",
        with_change(_pin("1", state="DISABLED")),
        quiet=with_change(_pin("1", latest=1)),
        command="gcloud secrets versions enable 1 --secret=k --project=demo-proj",
    ),
    Case(
        "secret.pinned-not-latest",
        with_change(_pin("1")),
        quiet=with_change(_pin("2")),
        command=f"gcloud run services update api --update-secrets=KEY=k:latest {FLAGS}",
    ),
    Case(
        "secret.new-version",
        with_change(lambda s: s.update({("secrets", "k"): secret_doc(latest=2)})),
        command="driftwatch baseline update secrets/k:latest.version",
    ),
    Case(
        "secret.version-state",
        with_change(lambda s: s[("secrets", "k")]["versions"]["1"].update(state="DISABLED")),
        command="driftwatch baseline update secrets/k:versions.1.state",
    ),
    Case(
        "secret.expiring",
        with_change(_expiring(5)),
        quiet=with_change(_expiring(90)),
        baseline=with_change(_expiring(90)),
        command="gcloud secrets update k --remove-expiration --project=demo-proj",
    ),
    Case(
        "cloud-run.websocket-timeout",
        with_change(lambda s: template(s, "ws").update(timeout="30s")),
        command=f"gcloud run services update ws --timeout=3600 {FLAGS}",
    ),
    Case(
        "cloud-run.websocket-session-affinity",
        with_change(lambda s: template(s, "ws").update(sessionAffinity=False)),
        command=f"gcloud run services update ws --session-affinity {FLAGS}",
    ),
    Case(
        "cloud-run.websocket-h2c",
        with_change(
            lambda s: template(s, "ws")["containers"][0].update(ports=[{"name": "h2c", "containerPort": 8080}])
        ),
        command=f"gcloud run services update ws --no-use-http2 {FLAGS}",
    ),
    Case(
        "cloud-run.vpc-access",
        with_change(lambda s: template(s, "api")["vpcAccess"].update(egress="ALL_TRAFFIC")),
        command=f"gcloud run services update api --vpc-egress=private-ranges-only {FLAGS}",
    ),
    Case(
        "cloud-run.cloud-sql",
        with_change(
            lambda s: template(s, "api")["volumes"][0]["cloudSqlInstance"].update(
                instances=["demo-proj:us-central1:other"]
            )
        ),
        command="--set-cloudsql-instances=",
    ),
    Case(
        "cloud-run.env-secret-changed",
        with_change(lambda s: env(s, "api", "KEY")["valueSource"]["secretKeyRef"].update(secret="other")),
        command=f"gcloud run services update api --update-secrets=KEY=k:latest {FLAGS}",
    ),
    Case(
        "cloud-run.env-removed",
        with_change(lambda s: template(s, "api")["containers"][0]["env"].remove(env(s, "api", "MODE"))),
        command=f"gcloud run services update api --update-env-vars=MODE=staging {FLAGS}",
    ),
    Case(
        "cloud-run.env-changed",
        with_change(lambda s: env(s, "api", "MODE").update(value="prod")),
        command=f"gcloud run services update api --update-env-vars=MODE=staging {FLAGS}",
    ),
    Case(
        "cloud-run.env-mismatch",
        with_change(lambda s: s[("e2e", "e2e.env")].update(MODE="prod")),
        quiet=with_change(lambda s: s[("e2e", "e2e.env")].update(MODE="staging")),
        checks='checks:\n  - {name: mode, equal: ["e2e/e2e.env:MODE", "run/api:template.containers.*.env.MODE"]}\n',
        command=f"gcloud run services update api --update-env-vars=MODE=prod {FLAGS}",
    ),
    Case(
        "cloud-run.ingress-widened",
        with_change(lambda s: s[("run", "api")].update(ingress="INGRESS_TRAFFIC_ALL")),
        command=f"gcloud run services update api --ingress=internal {FLAGS}",
    ),
    Case(
        "cloud-run.service-account",
        with_change(lambda s: template(s, "api").update(serviceAccount="b@demo-proj.iam")),
        command=f"gcloud run services update api --service-account=a@demo-proj.iam {FLAGS}",
    ),
    Case(
        "cloud-run.invoker-iam-disabled",
        with_change(lambda s: s[("run", "api")].update(invokerIamDisabled=True)),
        command=f"gcloud run services update api --invoker-iam-check {FLAGS}",
    ),
    Case(
        "cloud-run.min-instances-zero",
        with_change(lambda s: s[("run", "fast")].update(scaling={"minInstanceCount": 0})),
        baseline=with_change(lambda s: s[("run", "fast")].update(scaling={"minInstanceCount": 1})),
        quiet=with_change(lambda s: s[("run", "fast")].update(scaling={"minInstanceCount": 1})),
        command=f"gcloud run services update fast --min-instances=1 {FLAGS}",
    ),
    Case(
        "cloud-run.capacity",
        with_change(lambda s: template(s, "api").update(maxInstanceRequestConcurrency=10)),
        command=f"gcloud run services update api --concurrency=80 {FLAGS}",
    ),
    Case(
        "test-config.stale-service-url",
        with_change(lambda s: s[("e2e", "e2e.env")].update(API_URL="https://api-0ld.a.run.app")),
        quiet=with_change(lambda s: s[("e2e", "e2e.env")].update(API_URL="https://api.a.run.app/v1")),
        command=f"gcloud run services describe api --format='value(status.url)' {FLAGS}",
    ),
    Case(
        "generic.drift",
        with_change(lambda s: s[("run", "api")].update(labels={"team": "x"})),
        command="driftwatch baseline update run/api:labels.team",
    ),
    Case(
        "generic.resource-added",
        with_change(lambda s: s.update({("run", "new"): service("new")})),
        command="driftwatch baseline update run/new",
    ),
    Case(
        "generic.resource-removed",
        with_change(lambda s: s.pop(("run", "fast"))),
        command="driftwatch baseline update run/fast",
    ),
    Case(
        "check.equal",
        with_change(lambda s: s[("e2e", "e2e.env")].update(OTHER="a")),
        quiet=with_change(lambda s: s[("e2e", "e2e.env")].update(OTHER="INGRESS_TRAFFIC_INTERNAL_ONLY")),
        checks='checks:\n  - {name: other, equal: ["e2e/e2e.env:OTHER", "run/api:ingress"]}\n',
    ),
    Case(
        "check.require",
        with_change(lambda s: template(s, "api").update(timeout="10s")),
        checks='checks:\n  - {name: t, require: "run/api:template.timeout >= 60s"}\n',
    ),
]


def _probe(name: str, **fields: Any) -> Callable[[State], None]:
    return lambda s: s[("probes", name)].update(fields)


def _cert_in(days: int) -> Callable[[State], None]:
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).strftime("%Y-%m-%d")
    return _probe("site", cert_expires=when)


CASES += [
    Case(
        "probe.subprotocol-lost",
        with_change(_probe("ws", subprotocol=None)),
        command=f"gcloud run services describe ws {FLAGS} --format=yaml(spec.template)",
    ),
    Case(
        "probe.auth-rejected",
        with_change(_probe("auth", status=401, ok=False)),
        command=f"gcloud run services describe api {FLAGS}",
    ),
    Case("probe.unreachable", with_change(_probe("redis", ok=False, error="refused"))),
    Case("probe.status-changed", with_change(_probe("site", status=503, ok=False))),
    Case(
        "probe.latency-budget",
        with_change(_probe("redis", latency_ms=500)),
        checks='checks:\n  - {name: redis-fast, require: "probes/redis:latency_ms < 100"}\n',
    ),
    Case("probe.cert-expiring", with_change(_cert_in(3)), quiet=with_change(_cert_in(90))),
]
CASES += [
    Case("test-config.hygiene", base_state, literals=("KEY",)),
    Case("generic.not-checked", with_change(lambda s: s.pop(("run", "fast"))), unreadable=("fast",)),
]


def to_snapshot(state: State, literals: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    kinds = {"secrets": "secret", "run": "cloud-run", "e2e": "test-config", "probes": "probe"}
    resources = [
        {"source": s, "resource": r, "kind": kinds[s], "document": copy.deepcopy(doc)} for (s, r), doc in state.items()
    ]
    for resource in resources:
        if resource["kind"] == "test-config" and literals:
            resource["secret_literals"] = list(literals)
    return resources


@dataclass
class Project:
    cli: Any
    root: Path
    key_id: str = field(default="")

    def findings(self, case: Case, live: State, *, quiet: bool = False) -> list[dict[str, Any]]:
        write(self.root, {"driftwatch.yaml": CONFIG + case.checks})
        self.key_id = load_fingerprinter(self.root / "baselines", create=True).key_id
        write_snapshot(self.root / "base", self.key_id, to_snapshot(case.baseline()))
        assert self.cli("baseline", "update", "--from-snapshot", "base", cwd=self.root).code == 0
        path = write_snapshot(self.root / "live", self.key_id, to_snapshot(live, () if quiet else case.literals))
        if case.unreadable and not quiet:
            snapshot = json.loads((path / "snapshot.json").read_text())
            snapshot["not_checked"] = [
                {"source": "run", "resource": name, "kind": "cloud-run", "reason": "permission denied"}
                for name in case.unreadable
            ]
            (path / "snapshot.json").write_text(json.dumps(snapshot))
        run = self.cli("check", "--from-snapshot", "live", "-f", "json", cwd=self.root)
        assert run.code in ((2,) if case.unreadable and not quiet else (0, 1)), run.err
        findings: list[dict[str, Any]] = json.loads(run.out)["findings"]
        return findings


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule_triggers_with_its_command(cli, tmp_path: Path, case: Case) -> None:  # type: ignore[no-untyped-def]
    findings = [f for f in Project(cli, tmp_path).findings(case, case.trigger()) if f["rule"] == case.rule]
    assert findings, f"{case.rule} did not fire"
    assert findings[0]["severity"] == RULES[case.rule].severity or findings[0]["kind"] == "check"
    if case.command:
        commands = [c for f in findings for c in f["commands"]]
        assert any(case.command in c for c in commands), commands


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule_is_quiet_on_a_healthy_state(cli, tmp_path: Path, case: Case) -> None:  # type: ignore[no-untyped-def]
    findings = Project(cli, tmp_path).findings(case, case.quiet(), quiet=True)
    assert [f for f in findings if f["rule"] == case.rule] == []


def test_every_rule_has_a_case() -> None:
    covered = {c.rule for c in CASES}
    assert covered == set(RULES)
