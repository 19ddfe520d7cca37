"""Every command the README shows is run here or by .ci/run, so the README cannot rot."""

from __future__ import annotations

import re
import shlex
import shutil
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
            "junit.xml": '<testsuite><testcase name="t"><failure message="boom"/></testcase></testsuite>',
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
    assert (tmp_path / "shards" / "driftwatch-shard-1-of-2.json").is_file() and (tmp_path / "merged.json").is_file()


def test_the_emulator_walkthrough_runs(tmp_path: Path) -> None:
    """The emulator block, verbatim but for the port: a free one instead of 8085."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    serve, export, check = (line.strip() for line in sh_blocks()[3].strip().splitlines())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    serve_args = shlex.split(serve.removesuffix("&").replace("8085", port))
    assert serve_args[:2] == ["driftwatch", "emulator"]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    env.pop("DRIFTWATCH_FINGERPRINT_KEY", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "driftwatch", *serve_args[1:]], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert server.stdout is not None
        exported = dict(item.split("=", 1) for item in shlex.split(export.replace("8085", port))[1:])
        printed = [server.stdout.readline().strip() for _ in exported]
        assert printed == [f"export {name}={value}" for name, value in exported.items()]
        run = subprocess.run(
            [sys.executable, "-m", "driftwatch", *shlex.split(check)[1:]],
            cwd=ROOT,
            env={**env, **exported},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=10)
    written = ROOT / "driftwatch" / "demo" / "reports"  # the demo config's `reports:` folder
    shutil.rmtree(written, ignore_errors=True)  # a test leaves nothing in the checkout
    assert run.returncode == 1, run.stderr  # the demo state has drift
    assert "CRITICAL check   cloud-run/netra-auth-service" in run.stdout
    assert "reports: " in run.stderr and "driftwatch.html" in run.stderr  # a bare check writes its reports


def test_the_rule_table_is_the_catalog(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    table = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", README, re.S)
    assert table is not None
    run = cli("rules", "--format", "markdown", cwd=tmp_path)
    assert run.code == 0 and table.group(1) == run.out, "regenerate: driftwatch rules --format markdown"


def test_the_demo_excerpt_is_real_output(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    excerpt = re.search(r"```text\n(driftwatch · .*?)```", README, re.S)
    assert excerpt is not None
    run = cli("demo", cwd=tmp_path)
    shown = [line for line in excerpt.group(1).splitlines() if line and line != "..."]
    assert len(shown) > 10
    assert [line for line in shown if line not in run.out.splitlines()] == []
