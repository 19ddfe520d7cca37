"""The leak sweep: every command and every output format, with canary values in every place a
secret comes from, and every byte driftwatch writes scanned for them.

Canaries live in Secret Manager versions (enabled, disabled, pinned, rotated), in Cloud Run plain
env credentials, in secret-like keys of every test-config format, in a probe's header and
answer, in the GitHub token, in the webhook URL, in a mistyped config value (a pydantic error)
and in the bundled demo. The sweep runs the commands in-process and, where logging or process
boundaries matter (`-vv`, the emulator's request log), as real subprocesses; failing runs and
tracebacks under `-v` included. Every stream, every file under the project folder (reports,
baselines, snapshots, shard results, the history database, the rewritten config), every
webhook body and every PR comment body is scanned for each canary as plaintext, base64 and hex.
The table of cases goes to docs/reliability.md.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from driftwatch.emulator import SecretVersion, read_exports
from tests.collectors.endpoints_fake import SECRET_FIELD
from tests.collectors.endpoints_fake import TOKEN as PROBE_TOKEN
from tests.conftest import Run, config_yaml, gcp_state, secret, service, write
from tests.delivery.github_fake import TOKEN as GITHUB_TOKEN
from tests.delivery.github_fake import FakeGitHub, GitHubServer
from tests.delivery.webhook_fake import SECRET_PATH, webhook
from tests.reliability_doc import write_section

PAYLOADS = [f"CANARY-sm-{n}-{word}" for n, word in enumerate(["a0e1", "b1f2", "c2a3", "d3b4", "e4c5", "f5d6"])]
PLAIN_ENV = [f"CANARY-env-{n}-{word}" for n, word in enumerate(["11aa", "22bb", "33cc", "44dd"])]
TEST_CONFIG = {
    "py-default": "CANARY-tc-pydefault-7e7e",
    "py-bearer": "CANARYbearer5a5a5a5a",
    "py-rotated": "CANARY-tc-rotated-6f6f",
    "env-url": "CANARY-tc-dbpass-8c8c",
    "env-key": "CANARY-tc-envkey-9d9d",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUlkifQ.Q0FOQVJZc2lnbmF0dXJlX19f",
    "pem": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjCANARYPEMSWEEP",
    "yaml": "CANARY-tc-yaml-1b1b",
    "toml": "CANARY-tc-toml-2c2c",
    "ini": "CANARY-tc-ini-3d3d",
}
CONFIG_VALUE = "CANARY-pydantic-input-4e4e"
SECRETS_OF_DELIVERY = [GITHUB_TOKEN, SECRET_PATH.rsplit("/", 1)[-1], PROBE_TOKEN, SECRET_FIELD]
CANARIES = [*PAYLOADS, *PLAIN_ENV, *TEST_CONFIG.values(), CONFIG_VALUE, *SECRETS_OF_DELIVERY]
PEM = "-----BEGIN PRIVATE KEY-----\n" + TEST_CONFIG["pem"] + "\n-----END PRIVATE KEY-----"
SERVICE = "projects/demo-proj/locations/us-central1/services/api"
# One answer in five is a 429 or 503, so retries (and their -v log lines) are in the sweep; 12
# attempts make a call that fails them all a one-in-250-million event.
FAULT_RATE = 0.2
RETRIES = "retries: {attempts: 12, initial_backoff_s: 0.01, max_backoff_s: 0.05}\n"


def forms(canary: str) -> list[str]:
    """The plaintext and the encodings it could travel in."""
    return [canary, base64.b64encode(canary.encode()).decode(), canary.encode().hex()]


@dataclass
class Case:
    name: str
    code: int | None  # None: what a loopback fake received, not a run
    text: str  # everything the case printed, or what a fake received


class Sweep:
    """Runs cases and keeps what each printed; `expect` is each case's exit code."""

    def __init__(self, cli: Callable[..., Run], root: Path, env: dict[str, str]) -> None:
        self.cli, self.root, self.env, self.cases = cli, root, env, []
        self.cases: list[Case] = []

    def run(self, name: str, *args: str, expect: int, cwd: Path | None = None) -> Run:
        run = self.cli(*args, cwd=cwd or self.root)
        assert run.code == expect, (name, run.code, run.err[-2000:])
        self.cases.append(Case(name, run.code, run.out + run.err))
        return run

    def process(self, name: str, *args: str, expect: int, extra_env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "driftwatch", *args],
            cwd=self.root,
            env={**os.environ, **self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == expect, (name, done.returncode, done.stderr[-2000:])
        self.cases.append(Case(name, done.returncode, done.stdout + done.stderr))
        return done.stdout + done.stderr

    def received(self, name: str, text: str) -> None:
        """What a loopback fake was sent (webhook bodies, PR comments): scanned like output."""
        self.cases.append(Case(name, None, text))


def leaks(text: str) -> list[str]:
    found = [f"{canary} as {form!r}" for canary in CANARIES for form in forms(canary) if form in text]
    return found + (["the word CANARY"] if "CANARY" in text and not found else [])


def files_under(root: Path, skip: set[Path]) -> Iterator[tuple[Path, str]]:
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if path not in skip:
                yield path, path.read_bytes().decode("utf-8", "replace")


# -- the project ---------------------------------------------------------------------------------


def gcp() -> dict[str, Any]:
    return gcp_state(
        [
            secret("api-key", ("ENABLED", PAYLOADS[0]), ("DISABLED", PAYLOADS[1]), ("ENABLED", PAYLOADS[2])),
            secret("db-password", ("ENABLED", PAYLOADS[3])),
            secret("locked", ("ENABLED", PAYLOADS[4])),
        ],
        [
            service(
                "api",
                {
                    "API_KEY": ("api-key", "1"),
                    "DB": ("db-password", "latest"),
                    "DATABASE_URL": f"postgres://app:{PLAIN_ENV[0]}@10.0.0.3/db",
                    "SESSION_TOKEN": PLAIN_ENV[1],
                },
            )
        ],
    )


CONFIG = config_yaml(
    """
    - {name: secrets, kind: secret-manager, versions: all}
    - {name: run, kind: cloud-run}
    - name: e2e
      kind: test-config
      files: [tests/config.py, tests/.env.staging, tests/settings.json, tests/settings.yaml,
              tests/pyproject.toml, tests/setup.ini]
    - name: probes
      kind: probe
      probes:
        - {name: api, http: "${API}/health", headers: {Authorization: "Bearer ${PROBE_TOKEN}"},
           expect_json: [status, session_secret], timeout_s: 2}
    """,
    RETRIES
    + textwrap.dedent(
        """
        checks:
          - name: bypass-key
            equal: ["e2e/tests/config.py:E2E_BYPASS_KEY", "run/api:template.containers.*.env.API_KEY"]
            severity: critical
          - name: env-key
            equal: ["e2e/tests/.env.staging:E2E_KEY", "secrets/db-password:value"]
        """
    ),
)


def config_files(bypass_default: str) -> dict[str, str]:
    return {
        "tests/config.py": f"""
            import os
            E2E_BYPASS_KEY = os.getenv("E2E_KEY", "{bypass_default}")
            class Auth:
                HEADERS = {{"Authorization": "Bearer {TEST_CONFIG["py-bearer"]}"}}
            TOKEN_EXPR = helper("{bypass_default}-derived")
            """,
        "tests/.env.staging": (
            f"E2E_KEY={TEST_CONFIG['env-key']}\nDATABASE_URL=postgresql://u:{TEST_CONFIG['env-url']}@db:5432/x\n"
        ),
        "tests/settings.json": json.dumps({"session": TEST_CONFIG["jwt"], "tls": {"pem": PEM}}),
        "tests/settings.yaml": f"api:\n  token: {TEST_CONFIG['yaml']}\n  url: https://api.example\n",
        "tests/pyproject.toml": f'[tool.e2e]\npassword = "{TEST_CONFIG["toml"]}"\n',
        "tests/setup.ini": f"[auth]\nclient_secret = {TEST_CONFIG['ini']}\n",
    }


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="e2e" tests="2" failures="2">
  <testcase classname="e2e.test_auth" name="test_login_with_bypass_key">
    <failure message="401 Unauthorized: invalid E2E bypass key">assert 401 == 200</failure></testcase>
  <testcase classname="e2e.test_ws" name="test_websocket_subprotocol">
    <failure message="WebSocket closed: no subprotocol jwt-auth negotiated">closed</failure></testcase>
</testsuite></testsuites>
"""


def test_no_canary_reaches_any_output_of_any_command(  # type: ignore[no-untyped-def]
    cli, emulator, endpoints, tmp_path: Path, monkeypatch
) -> None:
    root, inputs = tmp_path / "project", tmp_path / "inputs"
    inputs.mkdir()
    server = emulator(gcp(), fault_rate=FAULT_RATE)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    write(root, {"driftwatch.yaml": CONFIG, **config_files(TEST_CONFIG["py-default"])})
    sweep = Sweep(cli, root, {**server.env(), **endpoints.env()})
    sweep.run("baseline update -v", "-v", "baseline", "update", expect=0)

    # Drift everywhere: a rotation the service does not read, changed plain credentials, a new key.
    versions = server.state.secrets[("demo-proj", "api-key")].versions
    versions[4] = SecretVersion(4, "ENABLED", "2025-01-04T00:00:00Z", PAYLOADS[5].encode())
    for entry in server.state.services[SERVICE]["template"]["containers"][0]["env"]:
        if entry["name"] == "DATABASE_URL":
            entry["value"] = f"postgres://app:{PLAIN_ENV[2]}@10.0.0.3/db"
        if entry["name"] == "SESSION_TOKEN":
            entry["value"] = PLAIN_ENV[3]
    write(root, config_files(TEST_CONFIG["py-rotated"]))

    sweep.run("check (reports/ folder)", "check", expect=1)
    for fmt in ("text", "markdown", "html", "json", "sarif", "junit", "github"):
        sweep.run(f"check -f {fmt}", "check", "-f", fmt, expect=1)
    formats = [arg for fmt in ("json", "markdown", "html", "sarif", "junit") for arg in ("-f", fmt)]
    sweep.run("check --output-dir, five formats", "check", "--output-dir", "out", *formats, expect=1)
    with webhook() as hook:
        history = ("--history", "history.db", "--notify", hook.url)
        sweep.run(
            "check -v --history --notify -o", "-v", "check", *history, "-f", "json", "-o", "result.json", expect=1
        )
        sweep.run("check --history --notify, unchanged", "check", *history, expect=1)
        sweep.received("webhook bodies", json.dumps([body for _, body in hook.posts]))
        assert hook.posts, "the first run must have notified"
    sweep.run("history", "history", "history.db", expect=0)
    sweep.run("snapshot", "snapshot", "--out", "snap", expect=0)
    sweep.run("check --from-snapshot", "check", "--from-snapshot", "snap", expect=1)
    for fmt in ("text", "markdown", "html", "json", "sarif", "junit", "github"):
        sweep.run(f"report -f {fmt}", "report", "result.json", "--format", fmt, expect=0)

    fake = FakeGitHub()
    with GitHubServer(fake) as github:
        pr = ("comment", "result.json", "--repo", "o/r", "--pr", "7", "--api-url", github.url)
        sweep.run("comment", *pr, expect=0)
        sweep.run("comment -v, unchanged", "-v", *pr, expect=0)
        sweep.run("comment --dry-run", *pr, "--dry-run", expect=0)
        sweep.run("comment --behavior hide-and-new", *pr, "--behavior", "hide-and-new", "--tag", "second", expect=0)
        sweep.received("PR comment bodies", json.dumps([c["body"] for c in fake.comments]))
        assert any("driftwatch" in c["body"] for c in fake.comments)

    (inputs / "junit.xml").write_text(JUNIT)
    sweep.run("explain", "explain", str(inputs / "junit.xml"), "--result", "result.json", expect=0)
    sweep.run("explain -f json (live)", "explain", str(inputs / "junit.xml"), "-f", "json", expect=0)
    sweep.run("ignore", "ignore", "run/api:labels.team", "--reason", "the sweep", expect=0)
    sweep.run("rules", "rules", expect=0)
    sweep.run("rules -f json", "rules", "--format", "json", expect=0)
    sweep.run("schema", "schema", expect=0)
    sweep.run("probes -v (what they would contact)", "-v", "probes", expect=0)
    for index in (0, 1):
        sweep.run(f"check --shard {index}/2", "check", "--shard", f"{index}/2", "--output-dir", "shards", expect=1)
    sweep.run("merge", "merge", "shards", "--output-dir", "merged", expect=1)
    sweep.run("baseline update of one address", "baseline", "update", "run/api:template", expect=0)

    # Failing runs, with tracebacks.
    server.state.deny.add("secrets/locked")
    sweep.run("check -v, a secret denied", "-v", "check", "-f", "json", expect=2)
    sweep.process(
        "check -vv in a process (client DEBUG logs)",
        "-vv",
        "check",
        "-f",
        "json",
        expect=2,
        extra_env={"GOOGLE_SDK_PYTHON_LOGGING_SCOPE": "google"},
    )
    config_py = root / "tests" / "config.py"
    good = config_py.read_text()
    config_py.write_text(f'E2E_BYPASS_KEY = "{TEST_CONFIG["py-rotated"]}"\nbroken = (\n')
    failing = sweep.run("check -v, a syntax error in config.py", "-v", "check", expect=2)
    assert "Traceback" in failing.err and "config.py:2" in failing.err
    config_py.write_text(good)

    bad = tmp_path / "bad-config"
    write(bad, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [a.env]}")})
    (bad / "driftwatch.yaml").write_text(
        (bad / "driftwatch.yaml").read_text()
        + f'concurrency: "{CONFIG_VALUE}"\nretries: {{attempts: {CONFIG_VALUE}}}\n'
    )
    invalid = sweep.run("check -v, pydantic errors on a secret-like value", "-v", "check", expect=2, cwd=bad)
    assert "concurrency" in invalid.err and "Traceback" in invalid.err

    sweep.cases.append(emulator_log_case(inputs))
    demo_case(sweep, tmp_path / "demo")

    # What the sweep read and wrote: every case's streams and every file it left behind.
    skip = {root / name for name in config_files("x")}  # the inputs: they hold canaries by design
    written = list(files_under(root, skip)) + list(files_under(tmp_path / "demo", set()))
    assert any(path.name == "history.db" for path, _ in written) and any("fp:" in t for _, t in written)
    for case in sweep.cases:
        assert leaks(case.text) == [], case.name
    for path, text in written:
        assert leaks(text) == [], path
    everything = "".join(case.text for case in sweep.cases)
    assert "fp:" in everything and "--update-env-vars=" in everything  # the values were there, as fingerprints
    _write_table(sweep.cases, len(written), sum(len(t) for _, t in written) + len(everything))


def emulator_log_case(inputs: Path) -> Case:
    """`driftwatch -v emulator` logs every request it serves; a check reads every payload through it."""
    (inputs / "state.yaml").write_text(yaml.safe_dump(gcp()))
    project = inputs / "against-emulator"
    write(project, {"driftwatch.yaml": config_yaml("- {name: secrets, kind: secret-manager, versions: all}")})
    emulator_process = subprocess.Popen(
        [sys.executable, "-m", "driftwatch", "-v", "emulator", "--state", str(inputs / "state.yaml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert emulator_process.stdout is not None
        exports = read_exports(emulator_process.stdout)
        env = {**os.environ, **exports, "DRIFTWATCH_FINGERPRINT_KEY": "sweep"}
        for args in (["baseline", "update"], ["check"]):
            done = subprocess.run(
                [sys.executable, "-m", "driftwatch", *args], cwd=project, env=env, capture_output=True, timeout=120
            )
            assert done.returncode == 0, done.stderr
    finally:
        emulator_process.send_signal(signal.SIGINT)
        out, err = emulator_process.communicate(timeout=20)
    assert ":access" in out + err  # the request log is there, and it was scanned
    return Case("emulator -v (its request log)", 0, out + err)


def demo_case(sweep: Sweep, folder: Path) -> None:
    """The bundled demo's own payloads are canaries too."""
    from driftwatch.demo import STATE_FILE
    from driftwatch.emulator import load_state

    payloads = [v.data.decode() for s in load_state(STATE_FILE).secrets.values() for v in s.versions.values() if v.data]
    folder.mkdir()
    run = sweep.run("demo -v", "-v", "demo", "--output-dir", "reports", expect=1, cwd=folder)
    outputs = run.out + run.err + "".join(text for _, text in files_under(folder, set()))
    for payload in payloads:
        for form in forms(payload):
            assert form not in outputs, "a demo payload leaked"


def _write_table(cases: list[Case], files: int, scanned: int) -> None:
    rows = [f"| {i} | {case.name} | {'—' if case.code is None else case.code} | 0 |" for i, case in enumerate(cases, 1)]
    text = "\n".join(
        [
            "## The leak sweep",
            "",
            "Written by `tests/test_leak_sweep.py`. Canary values sit in Secret Manager versions (enabled,",
            "disabled, pinned, rotated), Cloud Run plain env credentials, secret-like keys of a `.py`, `.env`,",
            "JSON, YAML, TOML and INI test config, a probe's header and answer, the GitHub token, the webhook",
            "URL, a mistyped config value (a pydantic error) and the bundled demo. Every case's stdout and",
            "stderr, what the loopback webhook and GitHub received, and every file the runs left behind",
            "(reports, baselines, snapshots, shard results, the history database, the rewritten config) are",
            f"scanned for each of the {len(CANARIES)} canaries as plaintext, base64 and hex, and for the word",
            "CANARY itself.",
            "",
            f"{len(cases)} cases, 0 leaks.",
            "",
            "| # | case | exit | leaks |",
            "|---:|---|---:|---:|",
            *rows,
        ]
    )
    summary = f"leak sweep: {len(cases)} cases, {files} files and {scanned:,} characters scanned, 0 leaks"
    write_section("leak-sweep", text, summary)
