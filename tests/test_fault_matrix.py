"""The fault matrix: every way the APIs fail, against the emulator; the table in docs/reliability.md.

Each row scripts a fault into the emulator (through the official clients, over real sockets),
runs `driftwatch check`, and holds the run to the same promise: the call is retried within the
budget and the run passes, or the resources it could not read are NOT_CHECKED with a reason and
the run exits 2. Every baselined resource is in the result either way. The table is written
by this test, never by hand.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftwatch.emulator import Fault, FaultScript
from tests.conftest import Run, config_yaml, secret, service, write
from tests.reliability_doc import write_section

SECRETS = [f"key-{i}" for i in range(6)]
SERVICES = ["api", "web", "worker"]
ACCESS_KEY_3 = r"/secrets/key-3/versions/latest:access$"
LOOPBACK = re.compile(r"127\.0\.0\.1:\d+")
RUN_BOUND_S = 6.0  # one call's 4 s deadline, plus the attempt grace and the run itself
RETRIES = "retries: {attempts: 13, initial_backoff_s: 0.01, max_backoff_s: 0.05, timeout_s: 1, deadline_s: 4}\n"


@dataclass
class Row:
    name: str
    faults: list[Fault]
    expect: str  # "retried" | "not checked"
    blind: set[str] = field(default_factory=set)  # resources that must be NOT_CHECKED
    reason: str = ""  # words the NOT_CHECKED reason must contain


MATRIX = [
    Row("429 storm: the first 12 requests", [Fault(".", "status", 429, times=12)], "retried"),
    Row("500 then 503 bursts", [Fault(".", "status", 500, times=6), Fault(".", "status", 503, times=6)], "retried"),
    Row("502/504 from a proxy, once per secret", [Fault(":access$", "status", 502, times=6)], "retried"),
    Row("slower than the per-call deadline, once", [Fault(ACCESS_KEY_3, "slow", seconds=1.5, times=1)], "retried"),
    Row("connection reset before the answer, twice", [Fault(ACCESS_KEY_3, "reset", times=2)], "retried"),
    Row("body cut short of its Content-Length, once", [Fault(ACCESS_KEY_3, "truncate", times=1)], "retried"),
    Row("200 with malformed JSON, once", [Fault(ACCESS_KEY_3, "malformed", times=1)], "retried"),
    Row(
        "503 on one secret, every time",
        [Fault(ACCESS_KEY_3, "status", 503)],
        "not checked",
        {"secrets/key-3"},
        "unavailable (503",
    ),
    Row(
        "429 on one secret, every time",
        [Fault(ACCESS_KEY_3, "status", 429)],
        "not checked",
        {"secrets/key-3"},
        "quota exhausted",
    ),
    Row(
        "slower than the deadline, every time",
        [Fault(ACCESS_KEY_3, "slow", seconds=1.5)],
        "not checked",
        {"secrets/key-3"},
        "did not answer in time",
    ),
    Row(
        "slow loris: one byte every 0.3 s",
        [Fault(ACCESS_KEY_3, "trickle", seconds=0.3)],
        "not checked",
        {"secrets/key-3"},
        "did not answer in time",
    ),
    Row(
        "connection reset, every time",
        [Fault(ACCESS_KEY_3, "reset")],
        "not checked",
        {"secrets/key-3"},
        "unreachable",
    ),
    Row(
        "malformed JSON, every time",
        [Fault(ACCESS_KEY_3, "malformed")],
        "not checked",
        {"secrets/key-3"},
        "malformed answer",
    ),
    Row(
        "403 on page 2 of the secrets listing",
        [Fault(r"/secrets$", "status", 403, paged=True)],
        "not checked",
        {"secrets/key-*", *(f"secrets/{s}" for s in SECRETS)},  # the glob itself, too
        "permission denied",
    ),
    Row(
        "404 on page 2 of the secrets listing",
        [Fault(r"/secrets$", "status", 404, paged=True)],
        "not checked",
        {"secrets/key-*", *(f"secrets/{s}" for s in SECRETS)},  # the glob itself, too
        "not found",
    ),
    Row(
        "403 on page 2 of the Cloud Run listing",
        [Fault(r"/services$", "status", 403, paged=True)],
        "not checked",
        {"run/*", *(f"run/{s}" for s in SERVICES)},
        "permission denied",
    ),
]


def state() -> dict[str, Any]:
    return {
        "project": "demo-proj",
        "region": "us-central1",
        "secrets": [secret(name, ("ENABLED", f"value-of-{name}")) for name in SECRETS],
        "services": [service(name, {"MODE": "on"}) for name in SERVICES],
    }


def test_every_fault_is_retried_or_not_checked_and_nothing_is_lost(cli, emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = emulator(state(), max_page_size=2)  # three pages of secrets, two of services
    collectors = (
        '- {name: secrets, kind: secret-manager, secrets: ["key-*"]}\n- {name: run, kind: cloud-run, services: ["*"]}'
    )
    write(tmp_path, {"driftwatch.yaml": config_yaml(collectors, RETRIES)})
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    baselined = {f"{s}/{r}" for s, names in (("secrets", SECRETS), ("run", SERVICES)) for r in names}
    lines = []
    for row in MATRIX:
        server.knobs.faults = FaultScript(row.faults)
        started = time.monotonic()
        run = cli("check", "-f", "json", cwd=tmp_path)
        seconds = time.monotonic() - started
        lines.append(_judge(row, run, baselined, seconds, sum(f.hits for f in row.faults)))
    _write_report(lines)


def _judge(row: Row, run: Run, baselined: set[str], seconds: float, hits: int) -> str:
    assert "Traceback" not in run.err, (row.name, run.err)
    result = json.loads(run.out)
    statuses = {f"{r['source']}/{r['resource']}": r for r in result["resources"]}
    lost = baselined - set(statuses)
    assert not lost, (row.name, lost)  # every configured resource is accounted for
    blind = {name for name, r in statuses.items() if r["status"] == "NOT_CHECKED"}
    assert hits > 0, (row.name, "the fault never fired: the row proves nothing")
    if row.expect == "retried":
        assert run.code == 0 and not blind, (row.name, run.code, blind, run.err)
        assert all(r["status"] == "IN_SYNC" for r in statuses.values()), row.name
        outcome = "retried to success, all in sync"
    else:
        assert run.code == 2, (row.name, run.code)
        assert blind == row.blind, (row.name, blind)
        reasons = {statuses[name]["error"] for name in blind}
        assert all(row.reason in reason for reason in reasons), (row.name, reasons)
        assert all(statuses[n]["status"] == "IN_SYNC" for n in set(statuses) - blind), row.name
        reason = LOOPBACK.sub("HOST", sorted(reasons)[0])  # the port changes every run
        outcome = f"NOT_CHECKED ({len(blind)}): {reason}"
    assert seconds < RUN_BOUND_S, (row.name, seconds)  # the 4 s call deadline holds, slow loris included
    return f"| {row.name} | {hits} | {outcome} | {run.code} | {len(baselined) - len(lost)}/{len(baselined)} |"


def _write_report(lines: list[str]) -> None:
    text = "\n".join(
        [
            "## The fault matrix",
            "",
            "Written by `tests/test_fault_matrix.py`. Each row scripts a fault into the emulator (6 secrets in",
            "pages of 2, 3 services in pages of 2, official clients over loopback HTTP), then runs",
            "`driftwatch check` with 13 attempts per call, 1 s per attempt and 4 s per call. A row passes only",
            "if the run retried to success, or exited 2 with exactly the affected resources NOT_CHECKED and a",
            "reason; in every row every baselined resource is in the result, and the whole run ended within",
            f"{RUN_BOUND_S:.0f} s (the call deadline holds even against a slow loris).",
            "",
            f"{len(lines)} cases, {len(lines)} passed, 0 resources lost.",
            "",
            "| fault | requests hit | outcome | exit | resources accounted for |",
            "|---|---:|---|---:|---:|",
            *lines,
        ]
    )
    write_section("fault-matrix", text, f"fault matrix: {len(lines)} cases tried, all held, 0 resources lost")
