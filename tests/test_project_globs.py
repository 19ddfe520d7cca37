"""`projects: ["team-*-staging"]`: the projects a glob stands for are listed once a run (Resource
Manager projects.search on the emulator), and a baselined project that is gone is still judged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import FAST_RETRIES, secret, service, write
from tests.test_config import assert_one_line_error

CONFIG = f"""
version: 1
projects: ["team-*-staging", shared-tools]
region: us-central1
{FAST_RETRIES}
collectors:
  - {{name: secrets, kind: secret-manager}}
  - {{name: run, kind: cloud-run}}
"""
ALL = ("team-a-staging", "team-b-staging", "team-c-staging", "team-a-prod", "shared-tools")


def state(projects: dict[str, str] | None = None) -> dict[str, Any]:
    """One secret and one service in each project; `projects` is what Resource Manager lists."""
    secrets, services = [], []
    for project in ALL:
        secrets.append({**secret("api-key", ("ENABLED", f"{project}-v1")), "project": project})
        api = service("api", {"MODE": "strict"})
        api["name"] = f"projects/{project}/locations/us-central1/services/api"
        services.append(api)
    listed = projects or {
        "team-a-staging": "ACTIVE",
        "team-b-staging": "ACTIVE",
        "team-c-staging": "DELETE_REQUESTED",
        "team-a-prod": "ACTIVE",
        "shared-tools": "ACTIVE",
    }
    return {
        "project": "team-a-staging",
        "region": "us-central1",
        "secrets": secrets,
        "services": services,
        "projects": [{"projectId": p, "state": s} for p, s in listed.items()],
    }


def sources(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "baselines").iterdir() if p.is_dir())


def result(run: Any) -> dict[str, Any]:
    return json.loads(run.out)  # type: ignore[no-any-return]


def test_a_glob_covers_the_active_projects_it_matches(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emulator(state())
    write(tmp_path, {"driftwatch.yaml": CONFIG})
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    assert sources(tmp_path) == [  # not team-c (pending deletion), not team-a-prod (no match)
        "run.shared-tools",
        "run.team-a-staging",
        "run.team-b-staging",
        "secrets.shared-tools",
        "secrets.team-a-staging",
        "secrets.team-b-staging",
    ]
    run = cli("check", "-f", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    assert result(run)["requests"]["resourcemanager_read"] == 1
    assert result(run)["summary"]["in_sync"] == 6


def test_a_new_project_is_new_and_a_vanished_one_is_still_judged(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(state())
    write(tmp_path, {"driftwatch.yaml": CONFIG})
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    server.state.projects["team-c-staging"] = "ACTIVE"  # restored: it appears
    del server.state.projects["team-b-staging"]  # deleted: the listing no longer shows it ...
    server.state.secrets.pop(("team-b-staging", "api-key"))  # ... and its resources are gone
    server.state.services.pop("projects/team-b-staging/locations/us-central1/services/api")
    run = cli("check", "-f", "json", cwd=tmp_path)
    assert run.code == 1, run.err
    statuses = {f"{r['source']}/{r['resource']}": r["status"] for r in result(run)["resources"]}
    assert statuses["secrets.team-c-staging/api-key"] == "ADDED"
    assert statuses["run.team-c-staging/api"] == "ADDED"
    assert statuses["secrets.team-b-staging/api-key"] == "REMOVED"
    assert statuses["run.team-b-staging/api"] == "REMOVED"
    assert statuses["secrets.team-a-staging/api-key"] == "IN_SYNC"


def test_when_projects_cannot_be_listed_the_run_stops(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(state())
    write(tmp_path, {"driftwatch.yaml": CONFIG})
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    server.state.deny.add("projects:search")
    assert_one_line_error(
        cli("check", cwd=tmp_path),
        "projects team-*-staging: cannot list the projects to match: permission denied: grant roles/browser",
    )


def test_a_snapshot_keeps_what_the_glob_matched(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(state())
    write(tmp_path, {"driftwatch.yaml": CONFIG})
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    assert cli("snapshot", "--out", "snap", cwd=tmp_path).code == 0
    snapshot = json.loads((tmp_path / "snap" / "snapshot.json").read_text())
    assert snapshot["projects"] == ["shared-tools", "team-a-staging", "team-b-staging"]
    server.state.deny.add("projects:search")  # offline: the snapshot needs no listing
    offline = cli("check", "--from-snapshot", "snap", "-f", "json", cwd=tmp_path)
    assert offline.code == 0, offline.err
    assert result(offline)["summary"]["in_sync"] == 6
    del snapshot["projects"]
    (tmp_path / "snap" / "snapshot.json").write_text(json.dumps(snapshot))
    assert_one_line_error(cli("check", "--from-snapshot", "snap", cwd=tmp_path), "take it again with this config")


def test_shards_share_one_listing_and_merge(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emulator(state())
    write(tmp_path, {"driftwatch.yaml": CONFIG})
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    for index in (0, 1):
        assert cli("check", "--shard", f"{index}/2", "--output-dir", "shards", cwd=tmp_path).code == 0
    merged = cli("merge", "shards", "-f", "json", cwd=tmp_path)
    assert merged.code == 0, merged.err
    assert result(merged)["summary"]["in_sync"] == 6


def test_a_bad_glob_is_a_config_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": CONFIG.replace('"team-*-staging"', '"Team_*"')})
    assert_one_line_error(cli("check", cwd=tmp_path), "entry 0 is not a glob over project IDs")
