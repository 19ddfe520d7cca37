"""Secret test-config values are shown by key and fingerprint only (the whole sweep across every
command is tests/test_leak_sweep.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import config_yaml, write

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
