"""The CLI contract: global options anywhere, exit codes, output streams, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from driftwatch.renderers import RENDERERS
from tests.conftest import config_yaml, write


@pytest.fixture
def drifted(cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    write(
        tmp_path, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [a.env]}"), "a.env": "A=1\n"}
    )
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    (tmp_path / "a.env").write_text("A=2\n")
    return tmp_path


def test_help_report_and_offline_check_do_not_import_google_clients(drifted: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cli("check", "-f", "json", "-o", "result.json", cwd=drifted)
    cli("snapshot", "--out", "snap", cwd=drifted)
    probe = (
        "import sys\nfrom driftwatch.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in sys.modules if m.startswith(('google.cloud', 'grpc'))]\n"
        "print('IMPORTED', bad, file=sys.stderr)\n"
    )
    for args in (
        ["--help"],
        ["check", "--help"],
        ["report", "result.json", "--format", "html"],
        ["check", "--from-snapshot", "snap", "--format", "sarif"],
    ):
        proc = subprocess.run([sys.executable, "-c", probe, *args], cwd=drifted, capture_output=True, text=True)
        assert "IMPORTED []" in proc.stderr, (args, proc.stderr)


def test_format_choices_come_from_the_registry() -> None:
    from driftwatch.cli.commands import FORMAT_NAMES

    assert set(FORMAT_NAMES) == set(RENDERERS)


def test_global_options_before_or_after_the_command(cli, drifted: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = str(drifted / "driftwatch.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = cli("--config", config, "-q", "check", "-f", "json", cwd=elsewhere)
    after = cli("check", "-f", "json", "--config", config, "-q", cwd=elsewhere)
    assert before.code == after.code == 1
    assert json.loads(before.out)["summary"] == json.loads(after.out)["summary"]
    assert before.err == after.err == ""  # -q silences the human summary on stderr


def test_exit_codes_fail_on_and_no_exit_code(cli, drifted: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("check", cwd=drifted).code == 1
    assert cli("check", "--fail-on", "high", cwd=drifted).code == 0  # generic drift is medium
    assert cli("check", "--fail-on", "medium", cwd=drifted).code == 1
    assert cli("check", "--no-exit-code", cwd=drifted).code == 0
    (drifted / "a.env").unlink()
    write(drifted, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [a.env, '*.missing']}")})
    assert cli("check", "--no-exit-code", cwd=drifted).code == 2  # NOT_CHECKED never passes


def test_output_streams(cli, drifted: Path) -> None:  # type: ignore[no-untyped-def]
    as_json = cli("check", "-f", "json", cwd=drifted)
    assert json.loads(as_json.out)["schema"] == "driftwatch/result/v1"
    assert "DRIFT" in as_json.err  # human summary on stderr
    text = cli("check", cwd=drifted)  # a bare check prints the summary and writes reports (CONTRACT s.2)
    assert "DRIFT" in text.out and text.err.startswith("reports: ") and text.err.count("\n") == 1
    for ext in ("json", "md", "html"):
        assert (drifted / "reports" / f"driftwatch.{ext}").is_file()
    assert cli("-q", "check", cwd=drifted).err == ""
    several = cli("check", "-f", "json", "-f", "html", cwd=drifted)
    assert several.code == 2 and "--output-dir" in several.err
    written = cli("check", "-f", "json", "-f", "markdown", "--output-dir", "out", cwd=drifted)
    assert written.code == 1
    assert (drifted / "out" / "driftwatch.json").is_file() and (drifted / "out" / "driftwatch.md").is_file()


def test_json_result_matches_the_contract(cli, drifted: Path) -> None:  # type: ignore[no-untyped-def]
    result = json.loads(cli("check", "-f", "json", cwd=drifted).out)
    assert set(result) >= {
        "schema",
        "driftwatch_version",
        "generated_at",
        "project",
        "duration_s",
        "summary",
        "resources",
        "findings",
    }
    assert set(result["summary"]) >= {"resources", "in_sync", "drifted", "not_checked", "coverage", "findings"}
    [finding] = result["findings"]
    assert set(finding) >= {
        "id",
        "rule",
        "kind",
        "status",
        "severity",
        "source",
        "resource",
        "address",
        "expected",
        "actual",
        "message",
        "hint",
        "commands",
        "first_seen",
    }
    assert (finding["address"], finding["expected"], finding["actual"]) == ("e2e/a.env:A", "1", "2")
    again = json.loads(cli("check", "-f", "json", cwd=drifted).out)["findings"][0]
    assert again["id"] == finding["id"]  # stable across runs


def test_report_re_renders_a_saved_result(cli, drifted: Path) -> None:  # type: ignore[no-untyped-def]
    cli("check", "-f", "json", "-o", "result.json", cwd=drifted)
    for fmt in RENDERERS:
        run = cli("report", "result.json", "--format", fmt, cwd=drifted)
        assert run.code == 0 and run.out, fmt
    (drifted / "bad.json").write_text('{"schema": "nope"}')
    bad = cli("report", "bad.json", cwd=drifted)
    assert bad.code == 2 and "bad.json" in bad.err and len(bad.err.strip().splitlines()) == 1


def test_schema_is_generated_from_the_models(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(cli("schema", cwd=tmp_path).out)
    assert schema["title"] == "driftwatch.yaml"
    assert "collectors" in schema["properties"] and schema["additionalProperties"] is False
    committed = Path(__file__).resolve().parents[2] / "docs" / "driftwatch.schema.json"
    assert json.loads(committed.read_text()) == schema, "regenerate: driftwatch schema > docs/driftwatch.schema.json"


def test_rules_lists_the_catalog(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries = json.loads(cli("rules", "--format", "json", cwd=tmp_path).out)
    assert {"generic.drift", "test-config.hygiene"} <= {e["id"] for e in entries}
    assert all(set(e) == {"id", "severity", "kinds", "description"} for e in entries)
