"""Benchmark: concurrent collection against the emulator with injected latency.

Collects 200 secrets through the official client, with 50 ms of latency on every answer,
once with one call at a time and once with the default pool, and prints both figures.
Exits 1 unless the concurrent run takes under a quarter of the sequential time.

    python benchmarks/collect.py [--secrets 200] [--latency-ms 50] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from driftwatch.config import load_config
from driftwatch.emulator import Emulator, state_from_dict
from driftwatch.fingerprint import Fingerprinter
from driftwatch.pipeline import CollectOptions, collect

CONFIG = """
version: 1
project: bench-proj
collectors:
  - {name: secrets, kind: secret-manager}
"""


def measure(folder: Path, emulator: Emulator, concurrency: int) -> tuple[float, int, int]:
    """(seconds, resources collected, requests sent) for one collection."""
    loaded = load_config(folder / "driftwatch.yaml")
    before = len(emulator.requests)
    started = time.perf_counter()
    snapshot = collect(loaded, Fingerprinter(b"bench"), CollectOptions(concurrency, emulator_hosts=emulator.env()))
    elapsed = time.perf_counter() - started
    if snapshot.not_checked:
        raise SystemExit(f"benchmark broken: {len(snapshot.not_checked)} secrets not checked")
    return elapsed, len(snapshot.resources), len(emulator.requests) - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    state = state_from_dict(
        {
            "project": "bench-proj",
            "secrets": [
                {"name": f"secret-{i:04d}", "versions": [{"version": 1, "state": "ENABLED", "data": f"v{i}"}]}
                for i in range(args.secrets)
            ],
        }
    )
    with tempfile.TemporaryDirectory() as tmp, Emulator(state, latency_s=args.latency_ms / 1000) as emulator:
        folder = Path(tmp)
        (folder / "driftwatch.yaml").write_text(CONFIG, encoding="utf-8")
        sequential, count, requests = measure(folder, emulator, 1)
        concurrent, _, _ = measure(folder, emulator, args.concurrency)
    ratio = concurrent / sequential
    print(f"collect {count} secrets, {args.latency_ms:g} ms latency, {requests} requests each run")
    print(f"  sequential (concurrency 1):  {sequential:6.2f} s")
    print(f"  concurrent (concurrency {args.concurrency}): {concurrent:6.2f} s")
    print(f"  ratio: {ratio:.3f} (target < 0.25)")
    return 0 if ratio < 0.25 else 1


if __name__ == "__main__":
    sys.exit(main())
