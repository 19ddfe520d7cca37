"""Config loading: the contract's example validates; bad input is one line, exit 2, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from driftwatch.config import load_config
from driftwatch.errors import ConfigError
from tests.conftest import config_yaml, write

CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "CONTRACT.md"

TEST_CONFIG = """
- name: e2e
  kind: test-config
  files: ["settings.env"]
"""


def contract_example() -> str:
    text = CONTRACT.read_text(encoding="utf-8")
    return re.search(r"```yaml\n(version: 1.*?)```", text, re.S).group(1)  # type: ignore[union-attr]


@pytest.mark.skipif(not CONTRACT.is_file(), reason="shared/CONTRACT.md is beside the repo in CI and sessions")
def test_contract_example_config_validates(tmp_path: Path) -> None:
    write(tmp_path, {"driftwatch.yaml": contract_example()})
    loaded = load_config(tmp_path / "driftwatch.yaml")
    assert [c.kind for c in loaded.config.collectors] == ["secret-manager", "cloud-run", "test-config", "probe"]
    assert loaded.config.checks[1].require == "cloud-run/netra-backend-staging:template.timeout >= 3600s"


def assert_one_line_error(run, fragment: str) -> None:  # type: ignore[no-untyped-def]
    assert run.code == 2, run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    assert fragment in lines[0], lines[0]


def test_malformed_yaml_names_file_and_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": "version: 1\ncollectors:\n  - name: [unclosed\n"})
    assert_one_line_error(cli("check", cwd=tmp_path), "driftwatch.yaml:")
    assert "invalid YAML" in cli("check", cwd=tmp_path).err


def test_unknown_key_suggests_the_near_one(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml(TEST_CONFIG, "baslines: base\n")})
    run = cli("check", cwd=tmp_path)
    assert_one_line_error(run, "unknown key 'baslines'; did you mean 'baselines'?")
    assert "driftwatch.yaml:8:" in run.err


def test_unknown_collector_kind_suggests(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: s, kind: secret-manger}")})
    assert_one_line_error(cli("check", cwd=tmp_path), "did you mean 'secret-manager'?")


def test_wrong_type_names_key_path_and_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml("- name: e2e\n  kind: test-config\n  files: 12\n")})
    run = cli("check", cwd=tmp_path)
    assert_one_line_error(run, "collectors[0].files")
    assert "driftwatch.yaml:7:" in run.err


def test_secret_like_value_is_never_echoed_in_an_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    canary = "CANARY-cfg-7f3a9b"
    write(tmp_path, {"driftwatch.yaml": config_yaml(f"- name: e2e\n  kind: test-config\n  files: {{x: {canary}}}\n")})
    run = cli("-v", "check", cwd=tmp_path)
    assert run.code == 2
    assert canary not in run.out + run.err


def test_missing_baselines_folder_hints_at_baseline_update(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml(TEST_CONFIG), "settings.env": "A=1\n"})
    assert_one_line_error(cli("check", cwd=tmp_path), "run `driftwatch baseline update`")


def test_no_config_anywhere(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert_one_line_error(cli("check", cwd=tmp_path), "no driftwatch.yaml")


def test_config_found_in_a_parent_folder(tmp_path: Path) -> None:
    from driftwatch.config import find_config

    write(tmp_path, {"driftwatch.yaml": config_yaml(TEST_CONFIG)})
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config(None, tmp_path / "a" / "b") == (tmp_path / "driftwatch.yaml").resolve()


def test_duplicate_collector_names_are_refused(tmp_path: Path) -> None:
    write(tmp_path, {"driftwatch.yaml": config_yaml(TEST_CONFIG + TEST_CONFIG)})
    with pytest.raises(ConfigError, match="named 'e2e'"):
        load_config(tmp_path / "driftwatch.yaml")


def test_bad_check_expression_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, {"driftwatch.yaml": config_yaml(TEST_CONFIG, "checks:\n  - {name: t, require: 'e2e/x:A ~~ 3'}\n")})
    with pytest.raises(ConfigError, match=r"checks\[0\].*ADDRESS OP VALUE"):
        load_config(tmp_path / "driftwatch.yaml")


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    write(tmp_path, {"driftwatch.yaml": bomb})
    with pytest.raises(ConfigError, match="too many YAML nodes"):
        load_config(tmp_path / "driftwatch.yaml")
