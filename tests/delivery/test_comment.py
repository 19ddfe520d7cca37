"""`driftwatch comment` against a loopback server that behaves like GitHub's REST API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from driftwatch.delivery.github_comment import GITHUB_LIMIT, comment_body, graphql_url_for, marker
from driftwatch.model import ChangeStatus, Finding, FindingCounts, Result, Summary
from tests.conftest import all_output
from tests.delivery.github_fake import TOKEN, FakeGitHub, GitHubServer


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    fake = FakeGitHub()
    for i in range(4):  # foreign comments across pages, one mentioning driftwatch
        fake.add(f"LGTM {i}" if i != 2 else "Should we run driftwatch on this PR? <!-- not our marker -->")
    with GitHubServer(fake) as server:
        yield server


@pytest.fixture
def demo_result(cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    assert cli("demo", cwd=tmp_path).code == 1
    return tmp_path / "reports" / "demo.json"


def comment(cli, tmp_path: Path, server: GitHubServer, result: Path, *extra: str) -> Any:  # type: ignore[no-untyped-def]
    run = cli("comment", "--repo", "o/r", "--pr", "7", str(result), "--api-url", server.url, *extra, cwd=tmp_path)
    assert run.code == 0, run.err
    return run


def ours(fake: FakeGitHub) -> list[dict[str, Any]]:
    return [c for c in fake.comments if c["body"].startswith(marker("netra-staging"))]


def test_three_runs_keep_one_comment_and_an_identical_run_writes_nothing(cli, tmp_path, github, demo_result) -> None:  # type: ignore[no-untyped-def]
    fake = github.fake
    foreign = [dict(c) for c in fake.comments]
    comment(cli, tmp_path, github, demo_result)
    assert len(ours(fake)) == 1
    github.fake.rate_limit_next = 1  # the next write meets a secondary rate limit
    changed = json.loads(demo_result.read_text())
    changed["findings"] = changed["findings"][:3]
    (tmp_path / "second.json").write_text(json.dumps(changed))
    comment(cli, tmp_path, github, tmp_path / "second.json")
    comment(cli, tmp_path, github, demo_result)
    [mine] = ours(fake)
    assert [c for c in fake.comments if c not in ours(fake)] == foreign  # foreign comments untouched
    assert [w.method for w in fake.writes] == ["POST", "PATCH", "PATCH", "PATCH"]  # 403 + retry, then edit
    assert [w.status for w in fake.writes] == [201, 403, 200, 200]
    before = len(fake.writes)
    run = comment(cli, tmp_path, github, demo_result)
    assert len(fake.writes) == before and "comment unchanged" in run.err
    pages = [entry for entry in fake.log if entry.method == "GET"]
    assert len(pages) >= 2 * 4  # 5 comments at 3 a page: two pages per run
    assert mine["body"].startswith("<!-- driftwatch: netra-staging -->\n## driftwatch: DRIFT")
    assert TOKEN not in all_output(tmp_path, run)


def test_delete_and_new_and_hide_and_new(cli, tmp_path, github, demo_result) -> None:  # type: ignore[no-untyped-def]
    fake = github.fake
    comment(cli, tmp_path, github, demo_result)
    first = ours(fake)[0]["id"]
    comment(cli, tmp_path, github, demo_result, "--behavior", "delete-and-new", "--tag", "netra-staging")
    assert len(ours(fake)) == 1 and ours(fake)[0]["id"] == first  # unchanged body: nothing replaced
    changed = json.loads(demo_result.read_text())
    changed["findings"] = changed["findings"][:1]
    (tmp_path / "changed.json").write_text(json.dumps(changed))
    comment(cli, tmp_path, github, tmp_path / "changed.json", "--behavior", "delete-and-new")
    assert len(ours(fake)) == 1 and ours(fake)[0]["id"] != first
    comment(cli, tmp_path, github, demo_result, "--behavior", "hide-and-new", "--graphql-url", f"{github.url}/graphql")
    assert [c["minimized"] for c in ours(fake)] == [True, False]


def test_clean_result_says_so_or_deletes(cli, tmp_path, github, demo_result) -> None:  # type: ignore[no-untyped-def]
    comment(cli, tmp_path, github, demo_result)
    clean = json.loads(demo_result.read_text())
    clean["findings"] = []
    clean["resources"] = [dict(r, status="IN_SYNC") for r in clean["resources"]]
    (tmp_path / "clean.json").write_text(json.dumps(clean))
    comment(cli, tmp_path, github, tmp_path / "clean.json")
    assert "## driftwatch: no drift" in ours(github.fake)[0]["body"]
    comment(cli, tmp_path, github, tmp_path / "clean.json", "--delete-when-clean")
    assert ours(github.fake) == [] and len(github.fake.comments) == 4


def test_dry_run_and_missing_token(cli, tmp_path, demo_result, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dry = cli("comment", "--repo", "o/r", "--pr", "7", str(demo_result), "--dry-run", cwd=tmp_path)
    assert dry.code == 0 and dry.out.startswith("<!-- driftwatch: netra-staging -->")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    run = cli("comment", "--repo", "o/r", "--pr", "7", str(demo_result), cwd=tmp_path)
    assert run.code == 2 and "GITHUB_TOKEN is not set" in run.err


def test_bad_token_is_one_line_without_the_token(cli, tmp_path, github, demo_result, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongCANARY")
    run = cli("-v", "comment", "--repo", "o/r", "--pr", "7", str(demo_result), "--api-url", github.url, cwd=tmp_path)
    assert run.code == 2 and "401 Bad credentials" in run.err and "ghp_wrongCANARY" not in run.out + run.err


def test_five_thousand_findings_fit_with_the_summary_whole() -> None:
    findings = [
        Finding(
            id=f"{i:016x}",
            rule="generic.drift",
            kind="drift",
            status=ChangeStatus.MODIFIED,
            severity="medium",
            source="run",
            resource=f"svc-{i % 50}",
            address=f"run/svc-{i % 50}:labels.key{i}",
            expected="a" * 40,
            actual="b" * 40,
            message=f"run/svc-{i % 50}:labels.key{i} changed since the baseline.",
            hint="Restore it or accept it.",
            commands=[f"driftwatch baseline update run/svc-{i % 50}:labels.key{i}"],
        )
        for i in range(5000)
    ]
    summary = Summary(
        resources=50, in_sync=0, drifted=50, not_checked=0, coverage=1.0, findings=FindingCounts(medium=5000)
    )
    result = Result(
        driftwatch_version="0.1.0",
        generated_at="2026-11-24T00:00:00Z",
        project="big",
        duration_s=1.0,
        summary=summary,
        resources=[],
        findings=findings,
    )
    body = comment_body(result, "big", details_url="https://ci.example/run/1")
    assert len(body) < GITHUB_LIMIT
    assert "| **DRIFT** | 50 | 0 | 50 | 0 | 0 | 0 | 100% |" in body  # the summary table, whole
    assert "more findings: see the [full report](https://ci.example/run/1)." in body
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == 2  # summary and findings tables both parse as tables
    rows = [t for t in tokens if t.type == "tr_open"]
    assert 100 < len(rows) < 5000


def test_graphql_url_follows_the_api_url() -> None:
    assert graphql_url_for("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url_for("https://ghe.example/api/v3") == "https://ghe.example/api/graphql"


def test_token_absent_from_debug_logs(tmp_path, github, demo_result) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    command = ["-vv", "comment", "--repo", "o/r", "--pr", "7", str(demo_result), "--api-url", github.url]
    run = subprocess.run(
        [sys.executable, "-m", "driftwatch", *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_TOKEN": TOKEN},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "DEBUG" in run.stderr and "comment created" in run.stderr
    assert TOKEN not in run.stdout + run.stderr and "CANARYtoken" not in run.stdout + run.stderr
