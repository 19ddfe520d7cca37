"""Security of driftwatch itself: test configs are read, never run; data never becomes a template;
hostile files give one line and exit 2; the emulator serves loopback only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from driftwatch.emulator import Emulator, state_from_dict
from driftwatch.errors import DriftwatchError
from tests.conftest import config_yaml, write

FORMATS = ("text", "markdown", "html", "json", "sarif", "junit", "github")


def test_a_python_test_config_that_acts_on_import_is_never_run(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "IMPORTED"
    payload = (
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "__import__('os').system('touch ' + " + repr(str(marker) + "-shell") + ")\n"
        "BASE_URL = 'https://api.example'\n"
    )
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [tests/config.py]}"),
            "tests/config.py": payload,
            "tests/conftest.py": payload,  # pytest would import this one first: driftwatch never does
        },
    )
    for args in (("baseline", "update"), ("check", "-f", "json"), ("snapshot", "--out", "snap")):
        run = cli(*args, cwd=tmp_path)
        assert run.code == 0, (args, run.err)
    assert not marker.exists() and not Path(str(marker) + "-shell").exists()
    assert "BASE_URL" in (tmp_path / "baselines" / "e2e" / "tests__config.py.yaml").read_text()


def test_values_are_data_never_templates_in_any_format(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    injected = "{{ 7*7 }}{% for x in range(3) %}LOOP{% endfor %}{{ config.__class__ }}"
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [settings.yaml]}"),
            "settings.yaml": "mode: safe\n",
        },
    )
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    (tmp_path / "settings.yaml").write_text(f"mode: {json.dumps(injected)}\n{json.dumps(injected)}: 1\n")
    for fmt in FORMATS:
        run = cli("check", "-f", fmt, "-o", f"out.{fmt}", cwd=tmp_path)
        assert run.code == 1, (fmt, run.err)
        text = (tmp_path / f"out.{fmt}").read_text()
        assert "LOOPLOOPLOOP" not in text and "<class" not in text, fmt  # nothing was evaluated
        assert "7*7" in text or "7\\u002a7" in text, fmt  # the value is there, as text


def test_hostile_yaml_config_gives_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    cases = {
        "alias bomb": "version: 1\n" + laughs,
        "deep nesting": "version: 1\ncollectors: " + "[" * 5000 + "]" * 5000 + "\n",
        "NUL byte": "version: 1\nproject: a\x00b\n",
    }
    for name, text in cases.items():
        (tmp_path / "driftwatch.yaml").write_text(text)
        run = cli("check", cwd=tmp_path)
        assert run.code == 2, (name, run.err)
        assert run.err.count("\n") == 1 and "driftwatch.yaml" in run.err and "Traceback" not in run.err, (name, run.err)
    (tmp_path / "driftwatch.yaml").write_bytes(b"version: 1\nproject: caf\xe9\n")
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and "UTF-8" in run.err and run.err.count("\n") == 1, run.err


def test_a_python_file_with_a_10_mb_string_is_capped_or_read_quickly(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [big.py]}")})
    (tmp_path / "big.py").write_text('BLOB = "' + "x" * 10_000_000 + '"\n')
    run = cli("baseline", "update", cwd=tmp_path)
    assert run.code == 2 and "big.py" in run.err and "Traceback" not in run.err, run.err
    assert run.err.count("\n") == 1


def test_a_symlink_out_of_the_config_folder_is_refused_unless_allowed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secrets.env").write_text("TOKEN=abc\n")
    project = tmp_path / "project"
    project.mkdir()
    os.symlink(outside / "secrets.env", project / "linked.env")
    os.symlink(outside, project / "linked-dir")
    for files in ('["linked.env"]', '["linked-dir/*.env"]', '["../outside/secrets.env"]'):
        write(project, {"driftwatch.yaml": config_yaml(f"- {{name: e2e, kind: test-config, files: {files}}}")})
        run = cli("baseline", "update", cwd=project)
        assert run.code == 2 and "outside the config's folder" in run.err, (files, run.err)
    allowed = "- {name: e2e, kind: test-config, files: [linked.env], allow_outside: true}"
    write(project, {"driftwatch.yaml": config_yaml(allowed)})
    assert cli("baseline", "update", cwd=project).code == 0


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a/../../../escape", "..", ".hidden/../.."])
def test_resource_names_cannot_escape_the_baselines_folder(name: str, tmp_path: Path) -> None:
    from driftwatch.baselines import baseline_path, read_baseline, write_baseline
    from driftwatch.model import Resource

    folder = tmp_path / "baselines"
    for source in ("e2e", "../up", name):
        path = baseline_path(folder, source, name)
        assert path.resolve().is_relative_to(folder.resolve()), (source, name, path)
        assert path.parent.parent == folder
        written = write_baseline(folder, Resource(source, name, "test-config", {"a": 1}))
        assert read_baseline(written).resource == name  # the file keeps the real name


def test_the_emulator_refuses_to_listen_beyond_loopback() -> None:
    state = state_from_dict({"project": "p"})
    for host in ("0.0.0.0", "::", "192.0.2.1", "example.com"):
        with pytest.raises(DriftwatchError, match="loopback"):
            Emulator(state, host=host)
    with Emulator(state) as emulator:
        assert emulator.host.startswith("127.0.0.1:")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.yaml", "a: " + "[" * 20_000 + "]" * 20_000 + "\n"),
        ("deep.toml", "a = " + "[" * 20_000 + "]" * 20_000 + "\n"),
        ("deep.py", "A = " + "(" * 20_000 + ")" * 20_000 + "\n"),
        (
            "bomb.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
        ),
        ("nul.env", "A=1\x00\nB=2\n"),
    ],
)
def test_hostile_test_config_files_give_one_line(cli, tmp_path: Path, name: str, content: str) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml(f"- {{name: e2e, kind: test-config, files: [{name}]}}")})
    (tmp_path / name).write_text(content)
    run = cli("baseline", "update", cwd=tmp_path)
    assert run.code == 2, (name, run.err[:300])
    assert name in run.err and run.err.count("\n") == 1 and "internal error" not in run.err, run.err[:300]
