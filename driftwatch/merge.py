"""`driftwatch merge`: the results of `check --shard I/N` for every I, joined into one run.

Each shard result carries its share of the snapshot. Merging checks that the shares add up
(every index once, one count, one fingerprint key, no resource in two shares), joins them, and
evaluates the union exactly as an unsharded run would: checks and cross-resource rules see
every resource. The merged result is the one to gate on, report and record in history.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from driftwatch.baselines import load_baselines
from driftwatch.config import LoadedConfig
from driftwatch.errors import ShardError
from driftwatch.fingerprint import load_fingerprinter
from driftwatch.fsutil import read_text_capped
from driftwatch.model import NotChecked, Resource, Result, Snapshot
from driftwatch.pipeline import evaluate
from driftwatch.shard import SHARD_FILE_PREFIX
from driftwatch.snapshot import MAX_SNAPSHOT_BYTES, from_dict
from driftwatch.textsafe import without_lone_surrogates


@dataclass(frozen=True)
class Share:
    path: Path
    index: int
    count: int
    snapshot: Snapshot
    run_id: str | None = None


def merge_results(loaded: LoadedConfig, paths: Sequence[Path]) -> Result:
    started = time.monotonic()
    shares = [_read_share(path) for path in _expand(paths)]
    snapshot = join(shares)
    key_id = load_fingerprinter(loaded.baselines_dir).key_id
    if snapshot.key_id != key_id:
        raise ShardError(
            f"the shard results were made with another fingerprint key than {loaded.baselines_dir}",
            hint="run every shard and the merge with the same DRIFTWATCH_FINGERPRINT_KEY or baselines salt",
        )
    return evaluate(loaded, snapshot, load_baselines(loaded.baselines_dir), started=started)


def _expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder gives the shard JSON results `check --output-dir` wrote there."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob(f"{SHARD_FILE_PREFIX}*.json"))
            if not found:
                raise ShardError(
                    f"{path}: no {SHARD_FILE_PREFIX}*.json here", hint="run `check --shard I/N --output-dir`"
                )
            files.extend(found)
        else:
            files.append(path)
    return files


def _read_share(path: Path) -> Share:
    text = read_text_capped(path, MAX_SNAPSHOT_BYTES, ShardError, hint="pass the RESULT.json of `check --shard`")
    try:
        result = Result.model_validate(without_lone_surrogates(json.loads(text), text))
    except (json.JSONDecodeError, RecursionError, ValidationError):
        raise ShardError(f"{path}: not a driftwatch result", hint="pass the JSON of `check --shard I/N`") from None
    if result.shard is None:
        raise ShardError(f"{path}: not a shard result", hint="write shard results with `check --shard I/N -f json`")
    snapshot = from_dict(result.shard.snapshot, str(path))
    return Share(path, result.shard.index, result.shard.count, snapshot, result.shard.run_id)


def join(shares: Sequence[Share]) -> Snapshot:
    """One snapshot from every share, or a ShardError naming what is missing or doubled."""
    if not shares:
        raise ShardError("no shard results given", hint="pass one RESULT.json per shard")
    counts = sorted({share.count for share in shares})
    if len(counts) > 1:
        raise ShardError(f"the results come from runs of different shard counts ({', '.join(map(str, counts))})")
    count = counts[0]
    by_index: dict[int, Path] = {}
    for share in shares:
        if share.index in by_index:
            raise ShardError(
                f"{share.path}: shard {share.index}/{count} is also in {by_index[share.index]}", hint="pass each once"
            )
        by_index[share.index] = share.path
    runs = {share.run_id for share in shares}
    if len(runs) > 1:
        odd = min(shares, key=lambda share: sum(other.run_id == share.run_id for other in shares))
        raise ShardError(
            f"{odd.path}: shard {odd.index}/{count} comes from another run ({odd.run_id or 'no run id'})",
            hint="a share left over from an earlier run is stale; rerun the job so every task writes again",
        )
    missing = sorted(set(range(count)) - set(by_index))
    if missing:
        raise ShardError(
            f"shard{'s' if len(missing) > 1 else ''} {', '.join(f'{i}/{count}' for i in missing)} missing",
            hint="a merge of fewer shards would lose resources; rerun the missing tasks",
        )
    snapshots = [share.snapshot for share in shares]
    if len({s.key_id for s in snapshots}) > 1:
        raise ShardError("the shards were run with different fingerprint keys", hint="use one key for every task")
    if len({s.projects for s in snapshots}) > 1:
        raise ShardError(
            "the shards resolved the `projects` globs to different projects",
            hint="a project appeared or went between tasks; rerun the job",
        )
    return Snapshot(
        project=snapshots[0].project,
        generated_at=max(s.generated_at for s in snapshots),
        key_id=snapshots[0].key_id,
        resources=_resources(shares),
        not_checked=_not_checked(snapshots),
        skipped=tuple(sorted({name for s in snapshots for name in s.skipped})),
        requests=_requests(snapshots),
        projects=snapshots[0].projects,
    )


def _resources(shares: Sequence[Share]) -> tuple[Resource, ...]:
    owner: dict[tuple[str, str], Path] = {}
    resources: list[Resource] = []
    for share in shares:
        for resource in share.snapshot.resources:
            key = (resource.source, resource.resource)
            if key in owner:
                raise ShardError(
                    f"{resource.address} is in {owner[key]} and in {share.path}",
                    hint="were the shards run with different configs? rerun them from one commit",
                )
            owner[key] = share.path
            resources.append(resource)
    return tuple(resources)


def _not_checked(snapshots: Sequence[Snapshot]) -> tuple[NotChecked, ...]:
    """Patterns that could not be listed are in every share; keep each address once."""
    seen: dict[tuple[str, str], NotChecked] = {}
    for snapshot in snapshots:
        for entry in snapshot.not_checked:
            seen.setdefault((entry.source, entry.resource), entry)
    return tuple(seen.values())


def _requests(snapshots: Sequence[Snapshot]) -> dict[str, int]:
    total: dict[str, int] = {}
    for snapshot in snapshots:
        for quota, count in snapshot.requests.items():
            total[quota] = total.get(quota, 0) + count
    return dict(sorted(total.items()))
