"""The demo: the staging drift of the problem report, found and written as three reports."""

from __future__ import annotations

import json
from pathlib import Path


def test_demo_finds_the_staging_drift(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DRIFTWATCH_FINGERPRINT_KEY", "a-user-key-the-demo-must-not-use")
    run = cli("demo", cwd=tmp_path)
    assert run.code == 1, run.err
    for ext in ("md", "html", "json"):
        assert (tmp_path / "reports" / f"demo.{ext}").is_file()
    result = json.loads((tmp_path / "reports" / "demo.json").read_text())
    findings = {f["address"]: f for f in result["findings"]}
    bypass = findings["cloud-run/netra-auth-service:template.containers.0.env.E2E_OAUTH_SIMULATION_KEY"]
    assert (bypass["kind"], bypass["severity"], bypass["status"]) == ("check", "critical", "MISMATCH")
    assert result["findings"][0] == bypass  # worst first
    assert findings["cloud-run/netra-backend-staging:template.timeout"]["actual"] == "30s"
    assert findings["cloud-run/netra-backend-staging:template.vpc_access.egress"]["actual"] == "ALL_TRAFFIC"
    assert "cloud-run/netra-backend-staging:template.containers.0.env.REDIS_HOST.value" in findings
    statuses = {r["resource"]: r["status"] for r in result["resources"]}
    assert statuses["netra-frontend-staging"] == "IN_SYNC"
    # read live through the official clients from the emulator: every resource was seen
    assert statuses["e2e-bypass-key"] == "DRIFTED" and statuses["jwt-secret-key"] == "IN_SYNC"
    assert "NOT_CHECKED" not in statuses.values() and len(statuses) == 10
    assert "CRITICAL" in run.out and "reports/demo.html" in run.err  # the summary on stdout, paths on stderr
    for secret in (
        "staging-e2e-bypass-2025",
        "staging-e2e-test-bypass-key-2025",
        "demo-db-password-2025",
        "demo-jwt-signing-secret-0001",
    ):
        assert secret not in run.out + run.err
        for ext in ("md", "html", "json"):
            assert secret not in (tmp_path / "reports" / f"demo.{ext}").read_text()


def test_demo_names_root_causes_with_their_fix_first(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo", cwd=tmp_path).code == 1
    findings = json.loads((tmp_path / "reports" / "demo.json").read_text())["findings"]
    flags = "--region=us-central1 --project=netra-staging"
    update = "gcloud run services update netra-backend-staging"
    bypass = findings[0]
    assert bypass["rule"] == "secret.shared-key-mismatch" and bypass["severity"] == "critical"
    assert (
        "e2e-config/tests/e2e/staging_test_config.py:E2E_BYPASS_KEY holds e2e-bypass-key version 2 "
        "(DISABLED, created 2025-06-01); netra-auth-service reads e2e-bypass-key latest = version 3 "
        "(ENABLED, created 2025-09-10)." in bypass["message"]
    )
    assert bypass["commands"] == [
        "gcloud secrets versions add e2e-bypass-key --data-file=- --project=netra-staging",
        "gcloud run services update netra-auth-service"
        f" --update-secrets=E2E_OAUTH_SIMULATION_KEY=e2e-bypass-key:latest {flags}",
        "gcloud secrets versions access latest --secret=e2e-bypass-key --project=netra-staging",
    ]
    by_rule: dict[str, list[dict[str, object]]] = {}
    for finding in findings:
        by_rule.setdefault(str(finding["rule"]), []).append(finding)
    expected_commands = {
        "cloud-run.websocket-timeout": f"{update} --timeout=3600 {flags}",
        "cloud-run.vpc-access": f"{update} --vpc-egress=private-ranges-only {flags}",
        "cloud-run.env-mismatch": f"{update} --update-env-vars=REDIS_HOST=10.166.204.83 {flags}",
        "cloud-run.websocket-session-affinity": f"{update} --session-affinity {flags}",
    }
    for rule, command in expected_commands.items():
        assert command in by_rule[rule][0]["commands"], rule  # type: ignore[operator]
    named = [i for i, f in enumerate(findings) if f["rule"] in expected_commands]
    generic = [i for i, f in enumerate(findings) if str(f["rule"]).startswith("generic.")]
    assert max(named) < min(generic, default=len(findings))
    assert all(f["severity"] == "high" for f in findings if f["rule"] in expected_commands)


def test_demo_pairs_behaviour_drift_with_its_config_cause(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo", cwd=tmp_path).code == 1
    findings = json.loads((tmp_path / "reports" / "demo.json").read_text())["findings"]
    by_rule = {f["rule"]: f for f in findings}
    subprotocol = by_rule["probe.subprotocol-lost"]
    assert subprotocol["message"] == (
        "WebSocket probe backend-ws no longer negotiates subprotocol `jwt-auth` (now: none). Same run, Cloud Run "
        "settings drifted on netra-backend-staging: template.session_affinity, template.timeout."
    )
    auth = by_rule["probe.auth-rejected"]
    assert auth["severity"] == "critical" and auth["address"] == "probes/auth-e2e:status"
    assert auth["message"].endswith("Same run, the e2e-bypass-key check fails on netra-auth-service.")
    latency = by_rule["probe.latency-budget"]
    assert latency["address"] == "probes/redis:latency_ms" and latency["actual"] >= 400
