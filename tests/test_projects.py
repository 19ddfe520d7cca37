"""`projects: [...]`: one config covers several projects, each with its own sources, baselines and commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import FAST_RETRIES, secret, service, write

PROJECTS = ("team-a-staging", "team-b-staging")
CONFIG = f"""
version: 1
projects: [{", ".join(PROJECTS)}]
region: us-central1
{FAST_RETRIES}
collectors:
  - {{name: secrets, kind: secret-manager}}
  - {{name: run, kind: cloud-run}}
  - {{name: shared, kind: secret-manager, project: team-a-staging, secrets: [org-key]}}
ignore:
  - path: "run.*/*:template.containers.*.image"
    reason: "changes on every deploy"
"""


def state(b_key_state: str = "ENABLED", b_mode: str = "strict") -> dict[str, Any]:
    """The same names in both projects; what differs must be told apart."""
    secrets, services = [], []
    for project in PROJECTS:
        key_state = b_key_state if project == "team-b-staging" else "ENABLED"
        secrets.append({**secret("api-key", (key_state, f"{project}-v1")), "project": project})
        mode = b_mode if project == "team-b-staging" else "strict"
        api = service("api", {"KEY": ("api-key", "1"), "MODE": mode})
        api["name"] = f"projects/{project}/locations/us-central1/services/api"
        services.append(api)
    secrets.append({**secret("org-key", ("ENABLED", "org")), "project": "team-a-staging"})
    return {"project": PROJECTS[0], "region": "us-central1", "secrets": secrets, "services": services}


def test_each_project_is_its_own_source_and_fixes_name_their_project(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(state())
    write(tmp_path, {"driftwatch.yaml": CONFIG})
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    assert sorted(p.name for p in (tmp_path / "baselines").iterdir() if p.is_dir()) == [
        "run.team-a-staging",
        "run.team-b-staging",
        "secrets.team-a-staging",
        "secrets.team-b-staging",
        "shared",
    ]
    clean = cli("check", "-f", "json", cwd=tmp_path)
    assert clean.code == 0, clean.out + clean.err

    server.stop()
    emulator(state(b_key_state="DISABLED", b_mode="lax"))
    drifted = cli("check", "-f", "json", cwd=tmp_path)
    assert drifted.code == 1, drifted.err
    findings = json.loads(drifted.out)["findings"]
    by_address = {f["address"]: f for f in findings}
    mode = by_address["run.team-b-staging/api:template.containers.0.env.MODE.value"]
    assert mode["commands"][0] == (
        "gcloud run services update api --update-env-vars=MODE=strict --region=us-central1 --project=team-b-staging"
    )
    # team-b's api reads version 1 of team-b's api-key, now disabled; team-a's is untouched
    unreadable = {f["address"]: f for f in findings if f["rule"] == "secret.version-unreadable"}
    assert unreadable["run.team-b-staging/api:template.containers.0.env.KEY"]["commands"] == [
        "gcloud secrets versions enable 1 --secret=api-key --project=team-b-staging"
    ]
    assert all(f["source"].endswith("team-b-staging") for f in findings), [f["address"] for f in findings]


def test_a_bad_project_id_or_a_name_clash_is_one_clear_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": CONFIG.replace("team-b-staging]", "Team_B]")})
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and "driftwatch.yaml:2: projects: entry 1 is not a project ID" in run.err
    assert "Team_B" not in run.err  # values from the file are never echoed
    clash = CONFIG.replace("ignore:", "  - {name: secrets.team-a-staging, kind: test-config, files: [x.yaml]}\nignore:")
    write(tmp_path, {"driftwatch.yaml": clash})
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and "makes a second collector named 'secrets.team-a-staging'" in run.err, run.err
