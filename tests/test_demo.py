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
    assert "NOT_CHECKED" not in statuses.values() and len(statuses) == 7
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
