"""Acceptance for the live collectors: the official clients over HTTP to the emulator on a free port."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import FAST_RETRIES, Run, config_yaml, gcp_state, paths, secret, service, write

SECRETS = """
- name: secrets
  kind: secret-manager
  {options}
"""
RUN = """
- name: run
  kind: cloud-run
  {options}
"""


def project(
    tmp_path: Path,
    secrets: str | None = "",
    run: str | None = "",
    extra: str = "",
    files: dict[str, str] | None = None,
    tests: str | None = None,
) -> Path:
    collectors = f"- {{name: tests, kind: test-config, files: [{tests}]}}\n" if tests else ""
    if secrets is not None:
        collectors += SECRETS.format(options=secrets or "versions: latest")
    if run is not None:
        collectors += RUN.format(options=run or "concurrency: 4")
    write(tmp_path, {"driftwatch.yaml": config_yaml(collectors, FAST_RETRIES + extra), **(files or {})})
    return tmp_path


def result(run: Run) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run.out)
    return data


def statuses(data: dict[str, Any]) -> dict[str, str]:
    return {f"{r['source']}/{r['resource']}": r["status"] for r in data["resources"]}


def test_every_listed_secret_and_service_is_collected_across_pages(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    versions = [("ENABLED", f"v{n}") for n in range(5)]
    state = gcp_state(
        [secret(f"app-{i}", ("ENABLED", f"value-{i}")) for i in range(7)] + [secret("many", *versions)],
        [service(f"svc-{i}") for i in range(5)],
    )
    server = emulator(state, max_page_size=2)
    root = project(tmp_path, secrets="versions: all", run='services: ["svc-*"]')
    assert cli("baseline", "update", cwd=root).code == 0
    run = cli("check", "-f", "json", cwd=root)
    assert run.code == 0, run.err
    data = result(run)
    assert set(statuses(data).values()) == {"IN_SYNC"} and len(data["resources"]) == 13
    assert len([p for p in paths(server) if p.endswith("/secrets")]) == 2 * 4  # 8 secrets, 2 a page, 2 runs
    assert len(paths(server, "/secrets/many/versions")) == 2 * 3  # 5 versions
    assert len(paths(server, "/locations/us-central1/services")) == 2 * 3  # 5 services
    pages = [r for r in server.requests if r.path.endswith("/secrets")]
    assert sum("pageToken" in r.query for r in pages) == 2 * 3


def test_pinned_versions_and_aliases_resolve_like_cloud_run(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = secret(
        "api-key",
        ("ENABLED", "key-one"),
        ("DISABLED", "key-two"),
        ("ENABLED", "key-three"),
        versionAliases={"stable": "1"},
    )
    services = [
        service("by-alias", {"KEY": ("api-key", "stable")}),
        service("by-disabled", {"KEY": ("api-key", "2")}),
        service("by-latest", {"KEY": ("api-key", "latest")}),
    ]
    server = emulator(gcp_state([key], services))
    checks = "checks:\n" + "".join(
        f'  - {{name: {name}, equal: ["tests/tests/.env:KEY", "run/{name}:template.containers.*.env.KEY"]}}\n'
        for name in ("by-alias", "by-disabled", "by-latest")
    )
    root = project(
        tmp_path,
        secrets='secrets: ["api-key"]',
        run='services: ["by-alias", "by-disabled", "by-latest"]',
        extra=checks,
        files={"tests/.env": "KEY=key-one\n"},
        tests="tests/.env",
    )
    assert cli("baseline", "update", cwd=root).code == 0
    data = result(cli("check", "-f", "json", cwd=root))
    failed = {f["message"].split(":")[0]: f for f in data["findings"] if f["related"]}  # configured checks
    assert set(failed) == {"by-disabled", "by-latest"}  # alias `stable` is version 1: the same key
    assert failed["by-disabled"]["rule"] == "secret.version-unreadable"
    pinned = [f["resource"] for f in data["findings"] if f["rule"] == "secret.pinned-not-latest"]
    assert pinned == ["by-alias"]  # reads version 1 through its alias while latest is 3
    assert "version 2 is DISABLED" in str(failed["by-disabled"]["actual"])
    latest = failed["by-latest"]
    assert latest["status"] == "MISMATCH" and latest["expected"] != latest["actual"]
    assert len(paths(server, "/versions/stable:access")) == 2  # one per run, never a version list
    assert not paths(server, "/versions")


def test_a_disabled_latest_is_read_with_one_get_not_a_version_list(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(gcp_state([secret("rotten", ("ENABLED", "a"), ("DISABLED", "b"))]))
    root = project(tmp_path, run=None)
    cli("baseline", "update", cwd=root)
    document = (root / "baselines" / "secrets" / "rotten.yaml").read_text()
    assert "latest:\n    state: DISABLED\n    version: 2" in document and "value:" not in document
    assert paths(server, "/versions/latest") and not paths(server, "/versions")


def test_denied_secret_and_service_are_not_checked_and_exit_2(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(
        gcp_state([secret("ok", ("ENABLED", "x")), secret("locked", ("ENABLED", "y"))], [service("a"), service("b")])
    )
    root = project(tmp_path, secrets='secrets: ["ok", "locked"]', run='services: ["a", "b"]')
    assert cli("baseline", "update", cwd=root).code == 0
    server.state.deny |= {"secrets/locked", "services/b"}
    run = cli("check", "-f", "json", cwd=root)
    assert run.code == 2
    data = result(run)
    assert statuses(data) == {
        "run/a": "IN_SYNC",
        "run/b": "NOT_CHECKED",
        "secrets/locked": "NOT_CHECKED",
        "secrets/ok": "IN_SYNC",
    }
    errors = {r["resource"]: r["error"] for r in data["resources"] if r["error"]}
    assert errors["locked"].startswith("permission denied: grant roles/secretmanager.viewer")
    assert errors["b"].startswith("permission denied: grant roles/run.viewer")


def test_a_429_503_storm_still_checks_every_resource(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = gcp_state(
        [secret(f"s{i}", ("ENABLED", f"x{i}")) for i in range(12)],
        [service(f"svc-{i}", {"K": (f"s{i}", "1")}) for i in range(6)],
    )
    server = emulator(state, max_page_size=5)
    root = project(tmp_path, secrets="versions: all", run='services: ["svc-*"]')
    assert cli("baseline", "update", cwd=root).code == 0
    server.knobs.fault_rate = 0.3
    before = len(server.requests)
    run = cli("check", "-f", "json", cwd=root)
    assert run.code == 0, run.err
    assert set(statuses(result(run)).values()) == {"IN_SYNC"} and len(result(run)["resources"]) == 18
    storm = server.requests[before:]
    assert sum(r.injected for r in storm) >= 5 and {r.status for r in storm if r.injected} == {429, 503}


def test_retries_exhausted_is_not_checked_with_the_reason(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(gcp_state([secret("s", ("ENABLED", "x"))]))
    root = project(tmp_path, secrets='secrets: ["s"]', run=None, extra="")
    cli("baseline", "update", cwd=root)
    server.knobs.fault_rate, server.knobs.fault_statuses = 1.0, (429,)
    run = cli("check", "-f", "json", cwd=root)
    assert run.code == 2
    [entry] = result(run)["resources"]
    assert entry["status"] == "NOT_CHECKED" and "quota exhausted" in entry["error"] and "8 attempts" in entry["error"]


def test_deleted_service_with_a_baseline_is_removed(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(gcp_state([], [service("keep"), service("gone")]))
    root = project(tmp_path, secrets=None, run='services: ["keep", "gone", "never-existed"]')
    cli("baseline", "update", cwd=root)
    del server.state.services["projects/demo-proj/locations/us-central1/services/gone"]
    data = result(cli("check", "-f", "json", cwd=root))
    assert statuses(data) == {"run/gone": "REMOVED", "run/keep": "IN_SYNC", "run/never-existed": "NOT_CHECKED"}
    errors = {r["resource"]: r["error"] for r in data["resources"]}
    assert errors["never-existed"] == "not found: check the name"


def test_globbed_listing_reports_a_vanished_service_as_removed(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(gcp_state([], [service("api-1"), service("api-2")]))
    root = project(tmp_path, secrets=None, run='services: ["api-*"]')
    cli("baseline", "update", cwd=root)
    del server.state.services["projects/demo-proj/locations/us-central1/services/api-2"]
    run = cli("check", "-f", "json", cwd=root)
    assert run.code == 1 and statuses(result(run)) == {"run/api-1": "IN_SYNC", "run/api-2": "REMOVED"}


def test_whole_resource_ignores_cause_no_request_for_it(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = gcp_state(
        [secret("wanted", ("ENABLED", "a")), secret("skipped", ("ENABLED", "b"))], [service("a"), service("legacy")]
    )
    server = emulator(state)
    ignore = (
        "ignore:\n"
        '  - {path: "secrets/skipped", reason: "owned by another team"}\n'
        '  - {path: "run/legacy", reason: "being retired"}\n'
    )
    root = project(tmp_path, secrets='secrets: ["wanted", "skipped"]', run='services: ["a", "legacy"]', extra=ignore)
    assert cli("baseline", "update", cwd=root).code == 0
    run = cli("check", "-f", "json", cwd=root)
    assert run.code == 0 and set(statuses(result(run))) == {"secrets/wanted", "run/a"}
    assert paths(server, "/secrets/wanted/versions/latest:access")
    assert not [p for p in paths(server) if "skipped" in p or "legacy" in p]


def test_reconciling_service_is_reported_as_such_not_as_drift(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(gcp_state([], [service("api", timeout="60s")]))
    root = project(tmp_path, secrets=None, run='services: ["api"]')
    cli("baseline", "update", cwd=root)
    rolling = server.state.services["projects/demo-proj/locations/us-central1/services/api"]
    rolling["reconciling"] = True
    rolling["template"]["timeout"] = "30s"
    data = result(cli("check", "-f", "json", cwd=root))
    [entry] = data["resources"]
    assert entry["status"] == "NOT_CHECKED" and entry["error"].startswith("reconciling")
    assert not [f for f in data["findings"] if f["kind"] == "drift"]


def test_requests_overlap_in_time(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(gcp_state([secret(f"s{i}", ("ENABLED", str(i))) for i in range(16)]), latency_s=0.05)
    root = project(tmp_path, secrets="concurrency: 8", run=None)
    assert cli("baseline", "update", cwd=root).code == 0
    accesses = [r for r in server.requests if r.path.endswith(":access")]
    assert len(accesses) == 16
    events = sorted([(r.started, 1) for r in accesses] + [(r.ended, -1) for r in accesses])
    in_flight = peak = 0
    for _, step in events:
        in_flight += step
        peak = max(peak, in_flight)
    assert 4 <= peak <= 8  # concurrent, and bounded by the collector's pool


def test_snapshot_then_offline_check_gives_the_live_findings(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(
        gcp_state(
            [secret("key", ("ENABLED", "one"))],
            [service("api", {"KEY": ("key", "latest"), "MODE": "a"}, timeout="3600s")],
        )
    )
    root = project(
        tmp_path,
        secrets='secrets: ["key"]',
        run='services: ["api"]',
        extra='checks:\n  - {name: timeout, require: "run/api:template.timeout >= 3600s"}\n',
    )
    cli("baseline", "update", cwd=root)
    api = server.state.services["projects/demo-proj/locations/us-central1/services/api"]
    api["template"]["timeout"] = "30s"
    api["template"]["containers"][0]["env"][1]["value"] = "b"
    live = result(cli("check", "-f", "json", cwd=root))
    assert cli("snapshot", "--out", "snap", cwd=root).code == 0
    offline = result(cli("check", "--from-snapshot", "snap", "-f", "json", cwd=root))

    def essence(data: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(f["id"], f["status"], f["severity"], f["expected"], f["actual"]) for f in data["findings"]]

    assert essence(live) == essence(offline) and len(essence(live)) == 3
    assert live["resources"] == offline["resources"]


def test_default_plan_is_one_access_per_secret_and_few_reads(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = gcp_state(
        [secret(f"s{i:03d}", ("DISABLED", "old"), ("ENABLED", f"v{i}")) for i in range(40)],
        [service(f"svc-{i}") for i in range(5)],
    )
    server = emulator(state, latency_s=0.02)
    root = project(tmp_path, secrets="concurrency: 8", run='services: ["svc-*"]')
    cli("baseline", "update", cwd=root)
    before = len(server.requests)
    data = result(cli("check", "-f", "json", cwd=root))
    assert data["requests"] == {"run_read": 1, "secretmanager_access": 40, "secretmanager_read": 1}
    assert len(server.requests) - before == 42  # the result counts what was really sent
    [services] = [r for r in server.requests[before:] if r.path.endswith("/services")]
    [secrets] = [r for r in server.requests[before:] if r.path.endswith("/secrets")]
    assert secrets.started < services.ended and services.started < secrets.ended  # in parallel, not in turn
