"""Run history for the nightly job, in SQLite from the standard library.

Each `check --history PATH` records its findings; the result then says what is new and
resolved since the last run and since when each finding has been open (`first_seen`: the
first run of its current unbroken streak). Writes happen in one IMMEDIATE transaction with a
busy timeout, so two runs started together queue instead of corrupting the store.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from driftwatch.errors import DriftwatchError
from driftwatch.model import FindingCounts, History, ResolvedFinding, Result, TrendPoint

TREND_RUNS = 60
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    generated_at TEXT NOT NULL,
    project TEXT,
    summary TEXT NOT NULL,
    errored INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    finding_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    address TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (run_id, finding_id)
);
"""


class HistoryError(DriftwatchError):
    pass


BUSY_TIMEOUT_S = 60.0


def _prepare(db: sqlite3.Connection) -> None:
    """WAL mode and the schema. Switching a new file to WAL takes an exclusive lock that SQLite
    does not wait for (no busy handler), so two runs creating the store together retry here."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def _store(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as db:
            _prepare(db)
            yield db
    except sqlite3.DatabaseError as exc:
        raise HistoryError(
            f"{path}: not a driftwatch history store ({exc})", hint="point --history at a new file"
        ) from None


def record(path: Path, result: Result) -> Result:
    """Store this run and return the result with `first_seen` and `history` filled in."""
    with _store(path) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            annotated = _record(db, result)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return annotated


def _record(db: sqlite3.Connection, result: Result) -> Result:
    previous = db.execute("SELECT id, generated_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    open_before: dict[str, tuple[str, str, str, str]] = {}
    if previous is not None:
        rows = db.execute(
            "SELECT finding_id, rule, address, severity, first_seen FROM findings WHERE run_id = ?", (previous[0],)
        )
        open_before = {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}
    findings = [
        f.model_copy(update={"first_seen": open_before[f.id][3] if f.id in open_before else result.generated_at})
        for f in result.findings
    ]
    errored = result.has_not_checked
    run_id = db.execute(
        "INSERT INTO runs (generated_at, project, summary, errored) VALUES (?, ?, ?, ?)",
        (result.generated_at, result.project, json.dumps(result.summary.model_dump(mode="json")), int(errored)),
    ).lastrowid
    db.executemany(
        "INSERT OR REPLACE INTO findings VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(run_id, f.id, f.rule, f.address, f.severity, f.status.value, f.first_seen) for f in findings],
    )
    current = {f.id for f in findings}
    resolved = [
        ResolvedFinding(id=fid, rule=rule, address=address, severity=severity, first_seen=first)
        for fid, (rule, address, severity, first) in sorted(open_before.items(), key=lambda item: item[1][1])
        if fid not in current
    ]
    history = History(
        runs=db.execute("SELECT COUNT(*) FROM runs").fetchone()[0],
        previous_run_at=previous[1] if previous else None,
        new=[f.id for f in findings if f.id not in open_before],
        resolved=resolved,
        trend=_trend(db),
    )
    return result.model_copy(update={"findings": findings, "history": history})


def _trend(db: sqlite3.Connection) -> list[TrendPoint]:
    rows = db.execute(
        "SELECT generated_at, summary, errored FROM (SELECT * FROM runs ORDER BY id DESC LIMIT ?) ORDER BY id",
        (TREND_RUNS,),
    ).fetchall()
    return [
        TrendPoint(
            generated_at=at, findings=FindingCounts(**json.loads(summary).get("findings", {})), errored=bool(errored)
        )
        for at, summary, errored in rows
    ]


def trend(path: Path, runs: int = TREND_RUNS) -> list[TrendPoint]:
    if not path.is_file():
        raise HistoryError(f"{path}: no such history store", hint="record one with `check --history PATH`")
    with _store(path) as db:
        return _trend(db)[-runs:]
