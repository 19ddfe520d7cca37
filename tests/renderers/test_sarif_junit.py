"""SARIF validates against the official 2.1.0 schema; JUnit parses with a real reader and its counts
match the result."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from junitparser import Error, Failure, JUnitXml

from driftwatch.rules import RULES

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())


def demo_result(cli, tmp_path: Path) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert cli("demo", cwd=tmp_path).code == 1
    data: dict = json.loads((tmp_path / "reports" / "demo.json").read_text())  # type: ignore[type-arg]
    return data


def test_sarif_validates_and_carries_every_finding(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = demo_result(cli, tmp_path)
    run = cli("report", "reports/demo.json", "--format", "sarif", cwd=tmp_path)
    assert run.code == 0
    sarif = json.loads(run.out)
    jsonschema.validate(sarif, SCHEMA)
    [sarif_run] = sarif["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][: len(RULES)] == list(RULES)
    results = sarif_run["results"]
    assert len(results) == len(result["findings"])
    first = results[0]
    assert first["ruleId"] == "secret.shared-key-mismatch" and first["level"] == "error"
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    assert first["partialFingerprints"] == {"driftwatchFindingId/v1": result["findings"][0]["id"]}
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "driftwatch.yaml"
    hygiene = next(r for r in results if r["ruleId"] == "test-config.hygiene")
    located = hygiene["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"].startswith("tests/e2e/") and located["region"]["startLine"] > 0
    timeout = next(
        r for r in results if r["ruleId"] == "cloud-run.websocket-timeout" and r["properties"]["kind"] == "drift"
    )
    uri = timeout["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "baselines/cloud-run/netra-backend-staging.yaml"


def test_junit_parses_and_counts_match(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = demo_result(cli, tmp_path)
    run = cli("report", "reports/demo.json", "--format", "junit", "--output", "junit.xml", cwd=tmp_path)
    assert run.code == 0, run.err
    xml = JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    cases = [case for suite in xml for case in suite]
    failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
    errored = [c for c in cases if any(isinstance(r, Error) for r in c.result)]
    by_status = {r["resource"]: r["status"] for r in result["resources"]}
    assert {c.name for c in cases} >= set(by_status)
    assert {c.name for c in failed} == {r["resource"] for r in result["resources"] if r["status"] != "IN_SYNC"} | {
        f["resource"] for f in result["findings"]
    }
    assert errored == []
    assert sum(s.failures for s in xml) == len(failed) and sum(s.tests for s in xml) == len(cases)
    assert {s.name for s in xml} == {"cloud-run", "e2e-config", "probes", "secrets"}


def test_junit_marks_not_checked_as_errors(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import FAST_RETRIES, config_yaml, gcp_state, service, write

    server = emulator(gcp_state([], [service("a"), service("b")]))
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: run, kind: cloud-run, services: [a, b]}", FAST_RETRIES)})
    cli("baseline", "update", cwd=tmp_path)
    server.state.deny.add("services/b")
    run = cli("check", "--format", "junit", "--output", "j.xml", cwd=tmp_path)
    assert run.code == 2
    [suite] = list(JUnitXml.fromfile(str(tmp_path / "j.xml")))
    assert (suite.tests, suite.errors, suite.failures) == (2, 1, 0)
    [bad] = [c for c in suite if c.result]
    assert bad.name == "b" and "permission denied" in bad.result[0].message
