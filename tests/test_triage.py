"""`driftwatch explain`: a red e2e run labelled by the findings that explain it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" failures="3" tests="4">
<testcase classname="tests.e2e.test_auth" name="test_bypass_login">
  <failure message="AssertionError: Invalid E2E bypass key">HTTP 401 from /auth/e2e/test-auth</failure>
</testcase>
<testcase classname="tests.e2e.test_ws" name="test_agent_events">
  <failure message="websockets.exceptions.NegotiationError: no subprotocols supported">during handshake</failure>
</testcase>
<testcase classname="tests.e2e.test_agents" name="test_agent_count">
  <error message="AssertionError: assert 2 == 3">expected three agents</error>
</testcase>
<testcase classname="tests.e2e.test_ok" name="test_fine"/>
</testsuite></testsuites>
"""


def test_explain_labels_drift_and_code_failures(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo", cwd=tmp_path).code == 1
    write(tmp_path, {"junit.xml": JUNIT})
    run = cli("explain", "junit.xml", "--result", "reports/demo.json", "--format", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    bypass, websocket, unrelated = json.loads(run.out)
    assert bypass["test"] == "tests.e2e.test_auth.test_bypass_login" and bypass["explained"]
    assert bypass["findings"][0]["rule"] == "secret.shared-key-mismatch"
    assert websocket["explained"] and websocket["findings"][0]["rule"] == "probe.subprotocol-lost"
    assert "cloud-run.websocket-timeout" in [f["rule"] for f in websocket["findings"][:3]]
    assert unrelated == {
        "test": "tests.e2e.test_agents.test_agent_count",
        "label": "no drift explains this: look at the code",
        "explained": False,
        "findings": [],
    }
    text = cli("explain", "junit.xml", "--result", "reports/demo.json", cwd=tmp_path).out
    assert "infrastructure drift: e2e-bypass-key:" in text and "$ gcloud secrets versions add e2e-bypass-key" in text


def test_explain_reads_plain_text_and_names_bad_xml(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo", cwd=tmp_path).code == 1
    write(
        tmp_path, {"log.txt": "redis.exceptions.ConnectionError: Redis connection failed\n", "bad.xml": "<testsuite>"}
    )
    run = cli("explain", "log.txt", "--result", "reports/demo.json", "-f", "json", cwd=tmp_path)
    [redis] = json.loads(run.out)
    top_two = {f["rule"] for f in redis["findings"][:2]}  # the VPC change and the changed REDIS_HOST
    assert top_two == {"cloud-run.vpc-access", "cloud-run.env-mismatch"}
    bad = cli("explain", "bad.xml", "--result", "reports/demo.json", cwd=tmp_path)
    assert bad.code == 2 and bad.err.startswith("driftwatch: error: bad.xml:1: not a JUnit XML report")


def test_explain_refuses_entity_expansion(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo", cwd=tmp_path).code == 1
    bomb = '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><t>&b;</t>'
    write(tmp_path, {"bomb.xml": bomb})
    run = cli("explain", "bomb.xml", "--result", "reports/demo.json", cwd=tmp_path)
    assert run.code == 2 and "not a JUnit XML report" in run.err
