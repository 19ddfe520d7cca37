"""Benchmark: normalise and diff without any network.

1. Two test-config documents of 10,000 keys (one value changed in 1 %): normalise + diff.
2. A snapshot of 5,000 Cloud Run services against their baselines (2 % drifted), through
   `driftwatch check --from-snapshot` in a separate process: wall time and peak RSS.

    python benchmarks/diff.py [--keys 10000] [--resources 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from driftwatch.diff import diff_documents
from driftwatch.fingerprint import load_fingerprinter
from driftwatch.model import Address, Resource, Snapshot
from driftwatch.normalise import normalise
from driftwatch.snapshot import write_snapshot


def documents(keys: int) -> tuple[dict[str, object], dict[str, object]]:
    before = {f"section{j // 100}": {f"key{i}": f"value-{i}" for i in range(j, j + 100)} for j in range(0, keys, 100)}
    after = json.loads(json.dumps(before))
    for i in range(0, keys, 100):
        after[f"section{i // 100}"][f"key{i}"] = "changed"
    return before, after


def service(i: int, timeout: str) -> dict[str, object]:
    return {
        "name": f"projects/p/locations/r/services/svc-{i}",
        "template": {
            "timeout": timeout,
            "containers": [{"image": "img", "env": [{"name": f"E{k}", "value": str(k)} for k in range(10)]}],
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--resources", type=int, default=5_000)
    args = parser.parse_args()
    print(f"$ python benchmarks/diff.py {' '.join(sys.argv[1:])}".rstrip())

    before, after = documents(args.keys)
    started = time.perf_counter()
    changes = diff_documents(
        "test-config", Address("s", "r"), normalise("test-config", before), normalise("test-config", after)
    )
    elapsed = time.perf_counter() - started
    print(
        f"normalise + diff of two {args.keys}-key documents: {elapsed:.3f} s, {len(changes)} changes (target < 0.5 s)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "driftwatch.yaml").write_text(
            "version: 1\nproject: p\nregion: r\ncollectors:\n  - {name: run, kind: cloud-run}\n"
        )
        key_id = load_fingerprinter(folder / "baselines", create=True).key_id

        def snapshot(name: str, drift_every: int) -> None:
            resources = tuple(
                Resource(
                    "run",
                    f"svc-{i}",
                    "cloud-run",
                    service(i, "30s" if drift_every and i % drift_every == 0 else "300s"),
                )
                for i in range(args.resources)
            )
            write_snapshot(folder / name, Snapshot("p", "2026-01-01T00:00:00Z", key_id, resources))

        snapshot("base", 0)
        snapshot("live", 50)
        env = {k: v for k, v in os.environ.items() if k != "DRIFTWATCH_FINGERPRINT_KEY"}
        run = [sys.executable, "-m", "driftwatch"]
        subprocess.run(
            [*run, "baseline", "update", "--from-snapshot", "base"],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
        )
        started = time.perf_counter()
        check = subprocess.run(
            [*run, "check", "--from-snapshot", "live", "-f", "json"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        findings = len(json.loads(check.stdout)["findings"])
    print(f"check --from-snapshot of {args.resources} resources: {wall:.2f} s, {findings} findings (target < 3 s)")
    print(f"peak RSS of the largest child (baseline update or check): {rss:.0f} MB (target < 250 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
