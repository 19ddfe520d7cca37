"""The collector seam: settings model + collect(settings, ctx) -> resources or NOT_CHECKED."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from driftwatch.fingerprint import Fingerprinter
from driftwatch.model import NotChecked, Resource

# A name, path or glob in a collector's list: an empty one would name no resource at all.
Pattern = Annotated[str, Field(min_length=1)]


class CollectorSettings(BaseModel):
    """Options every collector has; each kind extends it with its own, validated from driftwatch.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="unique name: the SOURCE of its addresses",
    )
    kind: str
    concurrency: int | None = Field(None, ge=1, le=256, description="overrides the top-level concurrency")

    def tags_for(self, resource: str, document: dict[str, Any]) -> frozenset[str]:
        """What the config or the resource itself says about it (`websocket`, ...) for rules."""
        return frozenset()


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    initial_s: float = 0.2
    maximum_s: float = 8.0
    multiplier: float = 2.0
    timeout_s: float = 30.0  # per attempt
    deadline_s: float = 120.0  # for all attempts of one call

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter (AWS architecture blog): spreads a thundering herd of retries."""
        ceiling = min(self.maximum_s, self.initial_s * self.multiplier**attempt)
        return rng.uniform(0, ceiling)


class RequestCounter:
    """API requests made, per quota class (`secretmanager_read`, ...): reported in the result."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, quota: str) -> None:
        with self._lock:
            self.counts[quota] = self.counts.get(quota, 0) + 1


class Progress(Protocol):
    """Where collectors report how far they are; the CLI draws it, tests may count it."""

    def planned(self, source: str, total: int) -> None: ...
    def advanced(self, source: str, count: int = 1) -> None: ...
    def failed(self, source: str) -> None: ...
    def retried(self, source: str) -> None: ...


class NoProgress:
    def planned(self, source: str, total: int) -> None:
        pass

    def advanced(self, source: str, count: int = 1) -> None:
        pass

    def failed(self, source: str) -> None:
        pass

    def retried(self, source: str) -> None:
        pass


@dataclass(frozen=True)
class CollectContext:
    """What a collector may know about the run; nothing about other stages.

    `upstream()` returns the normalised resources of the kinds a collector's spec reads (the
    secret collector reads which versions Cloud Run services pin); it blocks until those
    collectors finish, so a collector calls it as late as it can and runs in parallel until then.
    `emulator_hosts` replaces the process environment for `*_EMULATOR_HOST` when set.
    `in_shard` lets a collector skip the costly reads of resources another shard owns; the
    pipeline drops other shards' resources afterwards, so using it is an optimisation only.
    """

    config_dir: Path
    project: str | None
    region: str | None
    fingerprint: Fingerprinter
    concurrency: int
    skip_resource: Callable[[str, str], bool]  # (source, resource) -> an ignore rule covers it whole
    rate_limits: Mapping[str, int] = field(default_factory=dict)  # quota name -> requests per minute
    progress: Progress = field(default_factory=NoProgress)
    emulator_hosts: Mapping[str, str] | None = None
    upstream: Callable[[], Sequence[Resource]] = lambda: ()
    requests: RequestCounter = field(default_factory=lambda: RequestCounter())
    retries: RetryPolicy = field(default_factory=RetryPolicy)
    environ: Mapping[str, str] | None = None  # probes' ${VAR} source instead of the process environment
    in_shard: Callable[[str, str], bool] = lambda source, resource: True  # (source, resource) -> this run's share


Collected = Sequence[Resource | NotChecked]
S = TypeVar("S", bound=CollectorSettings)
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class CollectorSpec(Generic[S]):
    kind: str  # the `kind:` in driftwatch.yaml
    resource_kind: str  # the kind of the resources it produces (normaliser and rule namespace)
    settings: type[S]
    collect: Callable[[S, CollectContext], Collected]
    reads_upstream: tuple[str, ...] = ()  # resource kinds to collect before this one


def bounded_map(fn: Callable[[T], R], items: Sequence[T] | Iterable[T], concurrency: int) -> list[R]:
    """`fn` over `items` with at most `concurrency` in flight; results in input order."""
    items = list(items)
    if not items:
        return []
    with thread_pool(max(1, min(concurrency, len(items))), "collect") as pool:
        return list(pool.map(fn, items))


@contextmanager
def thread_pool(workers: int, name: str) -> Iterator[ThreadPoolExecutor]:
    """A thread pool that, left by an exception (Ctrl-C, SIGTERM, a bug), drops the calls not
    yet started instead of running them all first, as ThreadPoolExecutor's own exit does."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
