"""Acceptance: bad test configs and baselines give exit 2, one line naming file and place."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import config_yaml, write
from tests.test_config import assert_one_line_error


def project(tmp_path: Path, name: str, content: bytes | str | None = None) -> Path:
    write(tmp_path, {"driftwatch.yaml": config_yaml(f"- {{name: e2e, kind: test-config, files: [{name!r}]}}")})
    if isinstance(content, bytes):
        (tmp_path / name).write_bytes(content)
    elif content is not None:
        (tmp_path / name).write_text(content)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("config.py", "A = 1\nB = (\n", "config.py:2: Python syntax error"),
        ("data.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "data.json: binary file"),
        ("settings.yaml", "a: [1, 2\nb: 3\n", "settings.yaml:"),
        ("settings.toml", "a = \n", "settings.toml:1: invalid TOML"),
        ("settings.json", '{"a": 1,}', "settings.json:1: invalid JSON"),
        ("pytest.ini", "no section header\n", "pytest.ini:1: invalid INI"),
        (".env.staging", "A=1\nB='unterminated\n", ".env.staging:2"),
        ("latin1.env", "KEY=caf\xe9".encode("latin-1"), "latin1.env:1: not valid UTF-8"),
        ("notes.txt", "hello", "notes.txt: unknown test-config format"),
    ],
)
def test_bad_test_config_files(cli, tmp_path: Path, name: str, content: bytes | str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, name, content)
    assert_one_line_error(cli("baseline", "update", cwd=tmp_path), fragment)


def test_huge_file_hits_the_size_cap(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, "big.json")
    with (tmp_path / "big.json").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    assert_one_line_error(cli("baseline", "update", cwd=tmp_path), "big.json: 52428800 bytes is over")


def test_file_outside_the_config_folder_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "outside.env").write_text("A=1\n")
    inner = tmp_path / "proj"
    inner.mkdir()
    project(inner, "../outside.env")
    assert_one_line_error(cli("baseline", "update", cwd=inner), "resolves outside the config's folder")


def test_baseline_edited_into_invalid_yaml(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, "a.env", "A=1\n")
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    baseline = tmp_path / "baselines" / "e2e" / "a.env.yaml"
    baseline.write_text(baseline.read_text().replace("A: '1'", "A: [unclosed"))
    assert_one_line_error(cli("check", cwd=tmp_path), "a.env.yaml:")


def test_baseline_with_wrong_shape(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, "a.env", "A=1\n")
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    (tmp_path / "baselines" / "e2e" / "a.env.yaml").write_text("just a string\n")
    assert_one_line_error(cli("check", cwd=tmp_path), "not a baseline")


def test_traceback_only_with_verbose(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, "config.py", "B = (\n")
    assert "Traceback" in cli("-v", "baseline", "update", cwd=tmp_path).err


def test_missing_named_file_is_not_checked_and_exit_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, "a.env", "A=1\n")
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [a.env, b.env]}")})
    run = cli("check", "-f", "json", cwd=tmp_path)
    assert run.code == 2
    assert '"status": "NOT_CHECKED"' in run.out and "not found: check the path" in run.out


def test_baseline_with_duplicate_keys_or_aliases(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, "a.env", "A=1\n")
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    baseline = tmp_path / "baselines" / "e2e" / "a.env.yaml"
    original = baseline.read_text()
    baseline.write_text(original.replace("A: '1'", "A: '1'\n  A: '2'"))
    assert_one_line_error(cli("check", cwd=tmp_path), "a.env.yaml:6: duplicate key 'A'")
    aliased = "document:\n  A: &v '1'\n  B: *v\n"
    baseline.write_text(original.replace("document:\n  A: '1'\n", aliased))
    assert_one_line_error(cli("check", cwd=tmp_path), "aliases are not allowed")
