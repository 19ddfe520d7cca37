"""Snapshots: the normalised live state of a run, written to a folder and read back offline.

One `snapshot.json` with every resource and every NOT_CHECKED entry; it holds fingerprints
only. `key_id` names the fingerprint key so a snapshot is never compared under another key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from driftwatch import __version__
from driftwatch.errors import SnapshotError
from driftwatch.fsutil import atomic_write_text, read_text_capped
from driftwatch.model import NotChecked, Resource, Snapshot
from driftwatch.normalise import normalise
from driftwatch.textsafe import without_lone_surrogates

SNAPSHOT_FILE = "snapshot.json"
SCHEMA = "driftwatch/snapshot/v1"
MAX_SNAPSHOT_BYTES = 500_000_000


def to_json(snapshot: Snapshot) -> str:
    return json.dumps(to_dict(snapshot), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_dict(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "driftwatch_version": __version__,
        "generated_at": snapshot.generated_at,
        "project": snapshot.project,
        "key_id": snapshot.key_id,
        "resources": [
            {
                "source": r.source,
                "resource": r.resource,
                "kind": r.kind,
                "document": r.document,
                **({"origin": r.origin} if r.origin else {}),
                **({"lines": r.lines} if r.lines else {}),
                **({"secret_literals": list(r.secret_literals)} if r.secret_literals else {}),
            }
            for r in snapshot.resources
        ],
        "not_checked": [
            {
                "source": n.source,
                "resource": n.resource,
                "kind": n.kind,
                "reason": n.reason,
                "missing": n.missing,
            }
            for n in snapshot.not_checked
        ],
        "skipped": list(snapshot.skipped),
        "requests": dict(snapshot.requests),
        **({"projects": list(snapshot.projects)} if snapshot.projects is not None else {}),
    }


def write_snapshot(folder: Path, snapshot: Snapshot) -> Path:
    path = folder / SNAPSHOT_FILE
    atomic_write_text(path, to_json(snapshot))
    return path


def read_snapshot(folder: Path) -> Snapshot:
    path = folder / SNAPSHOT_FILE if folder.is_dir() else folder
    text = read_text_capped(
        path, MAX_SNAPSHOT_BYTES, SnapshotError, hint="write one with `driftwatch snapshot --out DIR`"
    )
    try:
        data = without_lone_surrogates(json.loads(text), text)
    except (json.JSONDecodeError, RecursionError):
        raise SnapshotError(f"{path}: not a driftwatch snapshot (invalid JSON)") from None
    return from_dict(data, str(path))


def from_dict(data: Any, where: str) -> Snapshot:
    """A snapshot from its JSON data; `where` names the file (or result) in errors."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise SnapshotError(f"{where}: not a driftwatch snapshot (schema is not {SCHEMA})")
    try:
        resources = tuple(
            Resource(
                _name(r["source"]),
                _name(r["resource"]),
                _name(r["kind"]),
                normalise(str(r["kind"]), dict(r["document"])),
                origin=r.get("origin"),
                lines={str(k): int(v) for k, v in (r.get("lines") or {}).items()},
                secret_literals=tuple(r.get("secret_literals") or ()),
            )
            for r in data["resources"]
        )
        not_checked = tuple(
            NotChecked(
                _name(n["source"]),
                _name(n["resource"]),
                _name(n["kind"]),
                str(n["reason"]),
                bool(n.get("missing")),
            )
            for n in data.get("not_checked") or []
        )
        return Snapshot(
            data.get("project"),
            str(data["generated_at"]),
            str(data["key_id"]),
            resources,
            not_checked,
            tuple(str(s) for s in data.get("skipped") or ()),
            {str(k): int(v) for k, v in (data.get("requests") or {}).items()},
            None if data.get("projects") is None else tuple(str(p) for p in data["projects"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise SnapshotError(
            f"{where}: a resource entry is malformed", hint="rewrite it with `driftwatch snapshot`"
        ) from None


def _name(value: Any) -> str:
    """A source, resource or kind: a non-empty string, or the entry is malformed."""
    if not isinstance(value, str) or not value:
        raise ValueError("not a name")
    return value
