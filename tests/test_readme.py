"""Every command the README shows is run here or by .ci/run, so the README cannot rot."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.conftest import config_yaml, write

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, re.S)


def test_the_two_commands_are_first_and_ci_runs_the_second() -> None:
    demo, tests = (block.strip() for block in sh_blocks()[:2])
    assert demo.endswith("driftwatch demo")
    assert tests.endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests.split("&& ", 2)[-1] in ci  # the install-and-test part, verbatim
    assert "driftwatch demo" in ci  # and the demo, on the installed package


def test_every_everyday_command_runs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml("- {name: e2e-config, kind: test-config, files: [settings.yaml]}"),
            "settings.yaml": "backend: {timeout: 30, url: https://api.example}\n",
        },
    )
    commands = [line.split("  #")[0].strip() for line in sh_blocks()[2].strip().splitlines()]
    assert len(commands) >= 10
    for index, command in enumerate(commands):
        if index == 5:  # before "accept one change", make that change
            (tmp_path / "settings.yaml").write_text("backend: {timeout: 45, url: https://api.example}\n")
        args = shlex.split(command)
        assert args[0] == "driftwatch"
        run = cli(*args[1:], cwd=tmp_path)
        assert run.code == 0, (command, run.err)
        assert "Usage:" not in run.err
    assert (tmp_path / "report.html").is_file() and (tmp_path / "out" / "driftwatch.md").is_file()
    assert (tmp_path / "snap" / "snapshot.json").is_file()
