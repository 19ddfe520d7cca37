"""GitHub Actions niceties and webhook alerts: annotations, the job summary, alerts only on change
or error, and the webhook URL (a credential) never in any output, even with -v."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_RETRIES, all_output, config_yaml, gcp_state, service, write
from tests.delivery.webhook_fake import SECRET_PATH, webhook


@pytest.fixture
def hook() -> Iterator[Any]:
    with webhook() as server:
        yield server


def project(tmp_path: Path, value: int) -> None:
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [settings.yaml]}"),
            "settings.yaml": f"a: {value}\nb: 1\n",
        },
    )


def test_github_annotations(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo", cwd=tmp_path).code == 1
    run = cli("report", "reports/demo.json", "--format", "github", cwd=tmp_path)
    lines = run.out.splitlines()
    assert lines[0].startswith("::error file=driftwatch.yaml,title=driftwatch critical%3A secret.shared-key-mismatch::")
    assert "%0AFix: gcloud secrets versions add e2e-bypass-key" in lines[0]
    hygiene = next(line for line in lines if "test-config.hygiene" in line)
    assert hygiene.startswith("::error file=tests/e2e/") and ",line=" in hygiene
    assert any(line.startswith("::warning ") for line in lines) and any(line.startswith("::notice ") for line in lines)
    assert all("\n" not in line for line in lines)


def test_step_summary_is_appended(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, 1)
    cli("baseline", "update", cwd=tmp_path)
    project(tmp_path, 2)
    summary = tmp_path / "summary.md"
    summary.write_text("## earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert cli("check", cwd=tmp_path).code == 1
    text = summary.read_text()
    assert text.startswith("## earlier step\n") and "## driftwatch: DRIFT" in text


def test_notify_only_on_change_or_error_and_never_shows_the_url(cli, tmp_path, hook, emulator) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, 1)
    cli("baseline", "update", cwd=tmp_path)
    project(tmp_path, 2)
    args = ("-v", "check", "--history", "h.db", "--notify", hook.url)
    runs = [cli(*args, cwd=tmp_path)]  # new finding: posted
    runs.append(cli(*args, cwd=tmp_path))  # same findings: quiet
    assert len(hook.posts) == 1
    path, body = hook.posts[0]
    assert path == SECRET_PATH and "DRIFT" in body["text"] and "1 new, 0 resolved" in body["text"]
    project(tmp_path, 1)
    runs.append(cli(*args, cwd=tmp_path))  # resolved: posted
    assert len(hook.posts) == 2 and "0 new, 1 resolved" in hook.posts[1][1]["text"]
    hook.statuses.extend([500, 500, 500, 500])  # an errored delivery is a warning, never the URL
    emulator(gcp_state([], [service("api")]))
    (tmp_path / "driftwatch.yaml").write_text(
        config_yaml(
            "- {name: e2e, kind: test-config, files: [settings.yaml]}\n"
            "- {name: run, kind: cloud-run, services: [gone]}",
            FAST_RETRIES,
        )
    )
    failing = cli(*args, cwd=tmp_path)  # could not check: always posted (and here the hook fails)
    assert failing.code == 2 and "warning: notify: webhook #1: HTTP 500 after 4 attempts" in failing.err
    runs.append(failing)
    assert len(hook.posts) == 3 + 3 and "COULD NOT CHECK" in hook.posts[-1][1]["text"]
    verbose = subprocess.run(  # -vv in a fresh process, so every logger really writes to stderr
        [sys.executable, "-m", "driftwatch", "-vv", "check", "--history", "h.db", "--notify", hook.url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert verbose.returncode == 2 and "DEBUG" in verbose.stderr
    everything = all_output(tmp_path, *runs) + verbose.stdout + verbose.stderr
    assert "CANARY" not in everything and "xoxb" not in everything
