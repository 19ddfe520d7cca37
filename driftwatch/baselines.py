"""Checked-in expected state: `baselines/SOURCE/RESOURCE.yaml`, one reviewable file per resource.

Files carry their own identity (source, resource, kind), so the file name only needs to be
safe: test-config paths like `tests/e2e/.env.staging` become `tests__e2e___.env.staging.yaml`
and nothing a resource is called can point outside the folder.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftwatch import yamlio
from driftwatch.errors import BaselineError
from driftwatch.fsutil import atomic_write_text, read_text_capped
from driftwatch.model import Resource
from driftwatch.normalise import normalise

MAX_BASELINE_BYTES = 10_000_000
PARALLEL_FROM = 1_000  # below this many files a worker process costs more than it saves
HEADER = """\
# driftwatch baseline: {address}
# Expected state, written by `driftwatch baseline update`. Review changes like code.
# Secret values appear only as keyed fingerprints (fp:...), never as plaintext.
"""


def file_name(resource: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", resource.replace("/", "__"))
    if slug.startswith("."):
        slug = "_" + slug
    if len(slug) > 180:
        slug = slug[:160] + "-" + hashlib.sha256(resource.encode()).hexdigest()[:12]
    return slug + ".yaml"


def baseline_path(folder: Path, source: str, resource: str) -> Path:
    return folder / file_name(source).removesuffix(".yaml") / file_name(resource)


@dataclass(frozen=True)
class Baselines:
    folder: Path
    resources: dict[tuple[str, str], Resource]

    def get(self, source: str, resource: str) -> Resource | None:
        return self.resources.get((source, resource))

    def for_source(self, source: str) -> list[Resource]:
        return [r for (s, _), r in sorted(self.resources.items()) if s == source]


def require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise BaselineError(
            f"{folder}: no baselines folder",
            hint="run `driftwatch baseline update` to record the current state as the baseline",
        )


def load_baselines(folder: Path) -> Baselines:
    with BaselineLoad(folder) as load:
        return load.result()


class BaselineLoad:
    """Baselines parsed while the caller does other work (reads a snapshot, collects).

    Constructing YAML in Python is most of a large offline check's time (5,000 files: 1.8 s of
    4 s), so many files are parsed by worker processes, one per core, forked here before the
    caller starts any threads. Few files are parsed at once, in this process, so that a bad
    baseline stops the run before anything is collected.
    """

    def __init__(self, folder: Path, *, busy_caller: bool = False) -> None:
        """`busy_caller`: the caller works on a core of its own meanwhile (live collection is
        CPU-bound in the clients), so leave it one; else the caller only waits or reads a file."""
        require_folder(folder)
        self.folder = folder
        self._paths = sorted(folder.glob("*/*.yaml"))
        self._pool: ProcessPoolExecutor | None = None
        self._parts: list[Future[list[Resource | _Failure]]] = []
        self._parsed: list[Resource | _Failure] = []
        workers = _worker_count(len(self._paths), busy_caller)
        if workers == 0:
            self._parsed = [read_baseline(path) for path in self._paths]
            return
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        self._parts = [self._pool.submit(_read_chunk, self._paths[i::workers]) for i in range(workers)]

    def __enter__(self) -> BaselineLoad:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def result(self) -> Baselines:
        parsed = self._parsed or _interleave([part.result() for part in self._parts], len(self._paths))
        resources: dict[tuple[str, str], Resource] = {}
        for path, item in zip(self._paths, parsed, strict=True):
            if isinstance(item, _Failure):  # the first bad file in path order, as in a serial read
                raise BaselineError(item.message, hint=item.hint)
            key = (item.source, item.resource)
            if key in resources:
                raise BaselineError(f"{path}: a second baseline for {item.address}", hint="delete one of them")
            resources[key] = item
        return Baselines(self.folder, resources)


def _interleave(parts: list[list[Resource | _Failure]], total: int) -> list[Resource | _Failure]:
    ordered: list[Resource | _Failure] = [_Failure("", None)] * total
    for offset, part in enumerate(parts):
        ordered[offset :: len(parts)] = part
    return ordered


def _worker_count(files: int, busy_caller: bool) -> int:
    """Worker processes to fork, 0 to parse here. Fork only on Linux and only while this process
    has one thread: a fork copies the locks other threads hold (the demo's emulator, collectors)
    without the threads that release them."""
    if files < PARALLEL_FROM or sys.platform != "linux" or threading.active_count() > 1:
        return 0
    cores = min(os.cpu_count() or 1, 4)
    workers = cores - 1 if busy_caller else cores
    return workers if workers >= (1 if busy_caller else 2) else 0


@dataclass(frozen=True)
class _Failure:
    """A BaselineError carried back from a worker as plain data."""

    message: str
    hint: str | None


def _read_chunk(paths: list[Path]) -> list[Resource | _Failure]:
    out: list[Resource | _Failure] = []
    for path in paths:
        try:
            out.append(read_baseline(path))
        except BaselineError as exc:
            out.append(_Failure(exc.message, exc.hint))
    return out


def read_baseline(path: Path) -> Resource:
    text = read_text_capped(path, MAX_BASELINE_BYTES, BaselineError, hint="restore it from version control")
    try:
        data = yamlio.load_data(text)
    except yamlio.YamlProblem as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise BaselineError(
            f"{where}: {exc.message}",
            hint="fix it, restore it from version control, or rerun `driftwatch baseline update`",
        ) from None
    problem = _shape_problem(data)
    if problem:
        raise BaselineError(
            f"{path}: {problem}",
            hint="restore it from version control or rerun `driftwatch baseline update`",
        )
    expected = baseline_path(path.parent.parent, data["source"], data["resource"])
    if expected.name != path.name or expected.parent.name != path.parent.name:
        raise BaselineError(
            f"{path}: holds {data['source']}/{data['resource']}, "
            f"which belongs in {expected.relative_to(path.parent.parent)}",
            hint="move or rename the file",
        )
    return Resource(data["source"], data["resource"], data["kind"], normalise(data["kind"], data["document"]))


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "not a baseline (expected a mapping with source, resource, kind, document)"
    for key in ("source", "resource", "kind"):
        if not isinstance(data.get(key), str) or not data[key]:
            return f"`{key}` is missing or not a string"
    if not isinstance(data.get("document"), dict):
        return "`document` is missing or not a mapping"
    return None


def render_baseline(resource: Resource) -> str:
    body = {
        "source": resource.source,
        "resource": resource.resource,
        "kind": resource.kind,
        "document": resource.document,
    }
    return HEADER.format(address=resource.address) + yamlio.dump(body)


def write_baseline(folder: Path, resource: Resource) -> Path:
    path = baseline_path(folder, resource.source, resource.resource)
    atomic_write_text(path, render_baseline(resource))
    return path


def delete_baseline(folder: Path, source: str, resource: str) -> None:
    baseline_path(folder, source, resource).unlink(missing_ok=True)
