"""Acceptance: a canary secret in a test config never reaches any file, stream or traceback."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import all_output, config_yaml, write

CANARIES = {
    "key": "CANARY-key-5b1e0c9d",
    "url": "CANARY-dbpass-8a7c",
    "bearer": "CANARYbearer0f3d2a1b",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUlkifQ.c2lnbmF0dXJlQ0FOQVJZ",
    "pem": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjCANARYPEM",
}


CHECK = (
    'checks:\n  - {name: same-key, equal: ["e2e/tests/config.py:E2E_BYPASS_KEY", "e2e/tests/.env.staging:E2E_KEY"]}\n'
)
PEM = "-----BEGIN PRIVATE KEY-----\n" + CANARIES["pem"] + "\n-----END PRIVATE KEY-----"


def make(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml(
                """
            - name: e2e
              kind: test-config
              files: ["tests/config.py", "tests/.env.staging", "tests/settings.json"]
            """,
                CHECK,
            ),
            "tests/config.py": f"""
            import os
            E2E_BYPASS_KEY = os.getenv("E2E_KEY", "{CANARIES["key"]}")
            class Auth:
                HEADERS = {{"Authorization": "Bearer {CANARIES["bearer"]}"}}
            TOKEN_EXPR = helper("{CANARIES["key"]}-derived")
            """,
            "tests/.env.staging": f"E2E_KEY={CANARIES['key']}-other\nDATABASE_URL=postgresql://u:{CANARIES['url']}@db:5432/x\n",
            "tests/settings.json": json.dumps({"session": CANARIES["jwt"], "tls": {"pem": PEM}}),
        },
    )


def test_canaries_never_leak(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path)
    runs = [cli("-v", "baseline", "update", cwd=tmp_path)]
    assert runs[0].code == 0, runs[0].err
    runs.append(cli("check", cwd=tmp_path))
    for fmt in ("text", "markdown", "html", "json"):
        runs.append(cli("check", "--format", fmt, cwd=tmp_path))
    runs.append(cli("check", "--output-dir", "out", "-f", "json", "-f", "html", "-f", "markdown", cwd=tmp_path))
    runs.append(cli("-v", "check", "-f", "json", "-o", "out/result.json", cwd=tmp_path))
    runs.append(cli("snapshot", "--out", "snap", cwd=tmp_path))
    runs.append(cli("check", "--from-snapshot", "snap", cwd=tmp_path))
    for fmt in ("text", "markdown", "html", "json"):
        runs.append(cli("report", "out/result.json", "--format", fmt, cwd=tmp_path))
    # A failing run: a syntax error in the file that holds the canary, with -v.
    (tmp_path / "tests" / "config.py").write_text(f'E2E_BYPASS_KEY = "{CANARIES["key"]}"\nbroken = (\n')
    failing = cli("-v", "check", cwd=tmp_path)
    assert failing.code == 2 and "config.py:2" in failing.err
    runs.append(failing)
    (tmp_path / "tests" / "config.py").unlink()  # the file itself holds the canary by design
    (tmp_path / "tests" / ".env.staging").unlink()
    (tmp_path / "tests" / "settings.json").unlink()
    everything = all_output(tmp_path, *runs)
    assert "fp:" in everything  # the values were there, as fingerprints
    for name, canary in CANARIES.items():
        assert canary not in everything, f"canary {name} leaked"
    assert "CANARY" not in everything


def test_secret_findings_show_key_and_fingerprint_only(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path)
    cli("baseline", "update", cwd=tmp_path)
    run = cli("check", "--format", "json", cwd=tmp_path)
    assert run.code == 1

    findings = json.loads(run.out)["findings"]
    hygiene = {f["address"] for f in findings if f["kind"] == "hygiene"}
    assert "e2e/tests/config.py:E2E_BYPASS_KEY" in hygiene
    assert "e2e/tests/.env.staging:DATABASE_URL" in hygiene
    assert "e2e/tests/config.py:Auth.HEADERS.Authorization" in hygiene
    [mismatch] = [f for f in findings if f["kind"] == "check"]
    assert mismatch["expected"].startswith("fp:") and mismatch["actual"].startswith("fp:")
