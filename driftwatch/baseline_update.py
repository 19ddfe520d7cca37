"""`driftwatch baseline update`: accept live state into the baselines, deliberately and atomically.

Only what matches the globs changes; a glob with a path accepts just those values. A resource
that could not be read keeps its old baseline (and the command exits 2): an outage never
rewrites expected state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftwatch.address import AddressGlob
from driftwatch.address import Path as DocPath
from driftwatch.baselines import (
    Baselines,
    baseline_path,
    delete_baseline,
    load_baselines,
    render_baseline,
)
from driftwatch.config import LoadedConfig
from driftwatch.diff import diff_documents
from driftwatch.errors import SnapshotError
from driftwatch.fingerprint import load_fingerprinter
from driftwatch.fsutil import atomic_write_text
from driftwatch.model import ChangeStatus, NotChecked, Resource
from driftwatch.normalise import comparable
from driftwatch.pipeline import CollectOptions, blind_reason, collect, resolved_for, whole_resource_ignored
from driftwatch.snapshot import read_snapshot


@dataclass
class UpdateReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def update_baselines(
    loaded: LoadedConfig,
    glob_texts: list[str],
    *,
    from_snapshot: Path | None = None,
    options: CollectOptions | None = None,
) -> UpdateReport:
    globs = [AddressGlob.parse(text) for text in glob_texts]
    folder = loaded.baselines_dir
    fingerprint = load_fingerprinter(folder, create=True)
    existing = load_baselines(folder) if folder.is_dir() else Baselines(folder, {})
    if from_snapshot is not None:
        snapshot = read_snapshot(from_snapshot)
        if snapshot.key_id != fingerprint.key_id:
            raise SnapshotError(f"{from_snapshot}: made with another fingerprint key", hint="use the same key")
    else:
        snapshot = collect(loaded, fingerprint, options)
    loaded = resolved_for(loaded, snapshot)
    sources = {c.name for c in loaded.collectors}
    ignore = loaded.ignore_globs
    report = UpdateReport()
    unchanged = 0

    def selected(source: str, name: str) -> list[AddressGlob] | None:
        if whole_resource_ignored(ignore, source, name):
            return None
        if not globs:
            return [AddressGlob.parse(f"{source}/{name}")]
        hits = [g for g in globs if g.matches_resource(source, name)]
        return hits or None

    live = {(r.source, r.resource): r for r in snapshot.resources if r.source in sources}
    for key, resource in sorted(live.items()):
        chosen = selected(*key)
        if chosen is None:
            continue
        old = existing.get(*key)
        line = _write_one(folder, resource, old, chosen)
        if line:
            report.lines.append(line)
        else:
            unchanged += 1
    blind: dict[str, dict[str, NotChecked]] = {}
    for entry in snapshot.not_checked:
        if entry.source in sources:
            blind.setdefault(entry.source, {})[entry.resource] = entry
            if selected(entry.source, entry.resource) and not entry.missing:
                report.problems.append(
                    f"{entry.source}/{entry.resource} not checked ({entry.reason}): its baseline was left as it was"
                )
    for key, old in sorted(existing.resources.items()):
        source, name = key
        if source not in sources or key in live or selected(source, name) is None:
            continue
        if blind_reason(name, blind.get(source, {})) is not None:
            continue
        delete_baseline(folder, source, name)
        report.lines.append(f"removed {old.address} (no longer exists)")
    report.lines.append(f"{unchanged} baseline{'s' if unchanged != 1 else ''} unchanged · {folder}")
    return report


def _write_one(folder: Path, live: Resource, old: Resource | None, globs: list[AddressGlob]) -> str | None:
    whole = old is None or any(g.covers_whole_resource for g in globs)
    document = comparable(live.kind, live.document) if whole or old is None else _merge(live, old, globs)
    new = Resource(live.source, live.resource, live.kind, document)
    text = render_baseline(new)
    path = baseline_path(folder, live.source, live.resource)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return None
    atomic_write_text(path, text)
    if old is None:
        return f"added {live.address}"
    changed = [str(c.address) for c in diff_documents(live.kind, live.address, old.document, new.document)]
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return f"updated {live.address}: {shown or 'reformatted'}"


def _merge(live: Resource, old: Resource, globs: list[AddressGlob]) -> dict[str, Any]:
    """Take from live only the changed values whose address matches a glob."""
    document = copy.deepcopy(old.document)
    for change in diff_documents(live.kind, live.address, old.document, live.document):
        if any(g.matches(change.address) for g in globs):
            if change.status is ChangeStatus.REMOVED:
                _delete(document, change.address.path)
            else:
                _set(document, change.address.path, copy.deepcopy(change.actual))
    return comparable(live.kind, document)


def _set(document: dict[str, Any], path: DocPath, value: Any) -> None:
    node = document
    for segment in path[:-1]:
        node = node.setdefault(segment, {})
    node[path[-1]] = value


def _delete(document: dict[str, Any], path: DocPath) -> None:
    node: Any = document
    for segment in path[:-1]:
        node = node.get(segment, {})
    if isinstance(node, dict):
        node.pop(path[-1], None)
