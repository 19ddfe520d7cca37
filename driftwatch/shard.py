"""Sharding: task I of N checks a deterministic share of the resources; `merge` joins the shares.

A resource belongs to the shard its address hashes to (SHA-256, so every machine and Python
agrees). Each shard reads only its share of the expensive calls (secret accesses, probes), and
every Cloud Run service, because a secret's pinned versions are read for the services that pin
it, wherever they land. A shard's result carries its share of the snapshot (fingerprints only);
`merge` evaluates the union once, so checks and rules that span shards see everything.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from driftwatch.errors import ShardError

INDEX_ENV, COUNT_ENV = "CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_COUNT"
RUN_ID_ENVS = ("DRIFTWATCH_RUN_ID", "CLOUD_RUN_EXECUTION")  # names one run of every shard
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int  # 0-based, like CLOUD_RUN_TASK_INDEX
    count: int
    run_id: str | None = None  # the same in every shard of one run, so `merge` never mixes in a stale share

    def __post_init__(self) -> None:
        if not 1 <= self.count <= 10_000 or not 0 <= self.index < self.count:
            raise ShardError(
                f"shard {self.index}/{self.count} does not exist",
                hint="use --shard I/N with 0 <= I < N (I is 0-based, like CLOUD_RUN_TASK_INDEX)",
            )

    def owns(self, source: str, resource: str) -> bool:
        return self.count == 1 or shard_of(source, resource, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


SHARD_FILE_PREFIX = "driftwatch-shard-"


def file_stem(index: int, count: int) -> str:
    """Report names of a shard in a shared folder, one per share: `merge FOLDER` reads them."""
    return f"{SHARD_FILE_PREFIX}{index}-of-{count}"


def shard_of(source: str, resource: str, count: int) -> int:
    digest = hashlib.sha256(f"{source}/{resource}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def parse_shard(text: str, environ: Mapping[str, str]) -> Shard:
    match = _SPEC.match(text)
    if match is None:
        raise ShardError(f"--shard {text!r} is not I/N", hint="e.g. --shard 0/4 for the first of four tasks")
    return Shard(int(match[1]), int(match[2]), _run_id(environ))


def shard_from_env(environ: Mapping[str, str]) -> Shard | None:
    """The shard a Cloud Run Job task runs as; None outside a job or in a job of one task."""
    index, count = environ.get(INDEX_ENV), environ.get(COUNT_ENV)
    if index is None or count is None:
        return None
    if not (index.isdigit() and count.isdigit()):
        raise ShardError(f"{INDEX_ENV} and {COUNT_ENV} are not numbers", hint="pass --shard I/N instead")
    shard = Shard(int(index), int(count), _run_id(environ))
    return shard if shard.count > 1 else None


def _run_id(environ: Mapping[str, str]) -> str | None:
    return next((environ[name] for name in RUN_ID_ENVS if environ.get(name)), None)
