"""Acceptance: reordering, reformatting, "300s" vs 300 and unset-vs-default are never drift;
changing one value is exactly one finding at the exact address."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from driftwatch.fingerprint import load_fingerprinter
from tests.conftest import config_yaml, write, write_snapshot

SERVICE: dict[str, Any] = {
    "name": "projects/demo-proj/locations/us-central1/services/api",
    "generation": "3",
    "labels": {"env": "staging", "team": "platform"},
    "template": {
        "timeout": "300s",
        "containers": [
            {
                "image": "gcr.io/demo/api:1",
                "env": [
                    {"name": "REDIS_HOST", "value": "10.0.0.5"},
                    {"name": "MODE", "value": "staging"},
                    {
                        "name": "KEY",
                        "valueSource": {
                            "secretKeyRef": {"secret": "projects/demo-proj/secrets/k", "version": "latest"}
                        },
                    },
                ],
            }
        ],
    },
}

CONFIG = config_yaml("""
- name: cloud-run
  kind: cloud-run
  services: ["api"]
- name: e2e
  kind: test-config
  files: ["settings.yaml"]
""")
SETTINGS = "backend:\n  url: https://api.example\n  timeout: 30\nsubprotocols: [jwt-auth]\n"


def resource(doc: dict[str, Any]) -> dict[str, Any]:
    return {"source": "cloud-run", "resource": "api", "kind": "cloud-run", "document": doc}


@pytest.fixture
def project(cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": CONFIG, "settings.yaml": SETTINGS})
    key_id = load_fingerprinter(tmp_path / "baselines", create=True).key_id
    write_snapshot(tmp_path / "snap-base", key_id, [resource(SERVICE)])
    # The baseline of the test config comes from the live file; the service from the snapshot.
    run = cli("baseline", "update", "e2e", cwd=tmp_path)
    assert run.code == 0, run.err
    run = cli("baseline", "update", "cloud-run", "--from-snapshot", "snap-base", cwd=tmp_path)
    assert run.code == 0, run.err
    return tmp_path


def check_with(cli, project: Path, service: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A real `driftwatch snapshot` of the test config, with the service state substituted."""
    run = cli("snapshot", "--out", "snap-live", cwd=project)
    assert run.code == 0, run.err
    path = project / "snap-live" / "snapshot.json"
    snap = json.loads(path.read_text())
    snap["resources"] = [r for r in snap["resources"] if r["kind"] != "cloud-run"] + [resource(service)]
    snap["not_checked"] = [n for n in snap["not_checked"] if n["kind"] != "cloud-run"]
    path.write_text(json.dumps(snap))
    run = cli("check", "--from-snapshot", "snap-live", "--format", "json", cwd=project)
    return run.code, json.loads(run.out)


def variant(change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    service = copy.deepcopy(SERVICE)
    change(service)
    return service


def test_identical_state_is_in_sync(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, result = check_with(cli, project, SERVICE)
    assert code == 0, result["findings"]
    assert result["summary"]["in_sync"] == 2


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s["template"]["containers"][0]["env"].reverse(), id="env-reordered"),
        pytest.param(lambda s: s.update(labels={"team": "platform", "env": "staging"}), id="dict-keys-reordered"),
        pytest.param(lambda s: s["template"].update(timeout=300), id="300-vs-300s"),
        pytest.param(lambda s: s["template"].pop("timeout"), id="unset-vs-default-timeout"),
        pytest.param(
            lambda s: s["template"].update(maxInstanceRequestConcurrency=80, sessionAffinity=False),
            id="defaults-spelled-out",
        ),
        pytest.param(
            lambda s: s.update(
                generation="9", etag="x", updateTime="2026-01-01T00:00:00Z", uri="https://api-x.run.app"
            ),
            id="output-only-fields",
        ),
        pytest.param(
            lambda s: s["template"]["containers"][0].update(ports=[{"name": "http1", "containerPort": 8080}]),
            id="default-port-explicit",
        ),
    ],
)
def test_no_false_drift(cli, project: Path, change) -> None:  # type: ignore[no-untyped-def]
    code, result = check_with(cli, project, variant(change))
    assert code == 0, result["findings"]
    assert result["findings"] == []


def test_yaml_reformatting_is_not_drift(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    (project / "settings.yaml").write_text(
        "# reformatted\nsubprotocols:\n  - 'jwt-auth'\nbackend: {timeout: 30, url: \"https://api.example\"}\n"
    )
    code, result = check_with(cli, project, SERVICE)
    assert code == 0, result["findings"]


def test_one_change_is_exactly_one_finding_at_its_address(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    def change(service: dict[str, Any]) -> None:
        service["template"]["containers"][0]["env"][0]["value"] = "10.0.0.9"

    code, result = check_with(cli, project, variant(change))
    assert code == 1
    [finding] = result["findings"]
    assert finding["address"] == "cloud-run/api:template.containers.0.env.REDIS_HOST.value"
    assert (finding["expected"], finding["actual"], finding["status"]) == ("10.0.0.5", "10.0.0.9", "MODIFIED")
    assert finding["severity"] == "medium"


def test_one_test_config_change_is_one_finding(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    (project / "settings.yaml").write_text(SETTINGS.replace("timeout: 30", "timeout: 45"))
    code, result = check_with(cli, project, SERVICE)
    assert code == 1
    [finding] = result["findings"]
    assert finding["address"] == "e2e/settings.yaml:backend.timeout"
    assert finding["location"] == "settings.yaml:3"


def test_ignore_rule_hides_only_what_it_names(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    with (project / "driftwatch.yaml").open("a") as handle:
        handle.write('ignore:\n  - {path: "cloud-run/*:template.containers.*.image", reason: "changes every deploy"}\n')

    def change(service: dict[str, Any]) -> None:
        service["template"]["containers"][0]["image"] = "gcr.io/demo/api:2"

    code, result = check_with(cli, project, variant(change))
    assert code == 0 and result["findings"] == []

    def two_changes(service: dict[str, Any]) -> None:
        change(service)
        service["template"]["timeout"] = "30s"

    code, result = check_with(cli, project, variant(two_changes))
    assert code == 1
    assert [f["address"] for f in result["findings"]] == ["cloud-run/api:template.timeout"]


def test_normalisers_are_idempotent() -> None:
    from driftwatch.normalise import normalise

    once = normalise("cloud-run", SERVICE)
    assert normalise("cloud-run", once) == once
    assert "generation" not in once and once["template"]["timeout"] == "300s"
