"""Benchmark: a full `driftwatch check` against the emulator, as a user runs it.

Starts `driftwatch emulator` (a separate process) with N secrets x V versions and M services
and L ms latency per answer, records baselines, then times `driftwatch check` (a separate
process, so its peak RSS is its own) and prints wall time, requests per quota class, the ideal
bound ceil(requests / concurrency) x latency and the ratio to it. With --sequential it also
runs the same check at concurrency 1.

    python benchmarks/scan.py --secrets 1000 --versions 3 --services 100 --latency-ms 50 \\
        --concurrency 32 --raise-limits --sequential
    python benchmarks/scan.py --secrets 1000 --versions 3 --services 100   # default settings
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from driftwatch.emulator import read_exports


def state(secrets: int, versions: int, services: int) -> dict[str, object]:
    return {
        "project": "bench-proj",
        "region": "us-central1",
        "secrets": [
            {
                "name": f"secret-{i:05d}",
                "versions": [
                    {"version": v, "state": "ENABLED", "data": f"value-{i}-{v}"} for v in range(1, versions + 1)
                ],
            }
            for i in range(secrets)
        ],
        "services": [
            {
                "name": f"svc-{i:04d}",
                "template": {
                    "containers": [
                        {
                            "image": "img",
                            "env": [{"name": "KEY", "valueSource": {"secretKeyRef": {"secret": "secret-00000"}}}],
                        }
                    ]
                },
            }
            for i in range(services)
        ],
    }


def config(concurrency: int, raise_limits: bool) -> str:
    limits = (
        "rate_limits: {secretmanager_read: 1000000, secretmanager_access: 1000000, run_read: 1000000, burst: 100000}\n"
        if raise_limits
        else ""
    )
    return (
        f"version: 1\nproject: bench-proj\nregion: us-central1\nconcurrency: {concurrency}\n{limits}"
        "collectors:\n  - {name: secrets, kind: secret-manager}\n  - {name: run, kind: cloud-run}\n"
    )


def driftwatch(folder: Path, env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    command = [sys.executable, "-m", "driftwatch", *args]
    run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--raise-limits", action="store_true", help="rate limits up to the emulator's capacity")
    parser.add_argument("--sequential", action="store_true", help="also time the same check at concurrency 1")
    args = parser.parse_args()
    command = "python benchmarks/scan.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "state.yaml").write_text(yaml.safe_dump(state(args.secrets, args.versions, args.services)))
        (folder / "driftwatch.yaml").write_text(config(args.concurrency, args.raise_limits))
        latency = args.latency_ms
        emulator = subprocess.Popen(
            [sys.executable, "-m", "driftwatch", "emulator", "--state", "state.yaml", "--latency-ms", str(latency)],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert emulator.stdout is not None
            exports = read_exports(emulator.stdout)
            env = {**os.environ, **exports, "DRIFTWATCH_FINGERPRINT_KEY": "bench"}
            driftwatch(folder, env, "baseline", "update")
            wall, run = driftwatch(folder, env, "check", "-f", "json")
            rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            result = json.loads(run.stdout)
            requests = sum(result["requests"].values())
            ideal = math.ceil(requests / args.concurrency) * args.latency_ms / 1000
            pipeline = result["duration_s"]
            print(f"$ {command}")
            print(f"scan: {result['summary']['resources']} resources, exit {run.returncode}")
            print(f"requests: {requests} {result['requests']}")
            print(f"wall: {wall:.2f} s (process), {pipeline:.2f} s (pipeline, as duration_s)")
            print(f"ideal bound ceil({requests}/{args.concurrency}) x {args.latency_ms:g} ms = {ideal:.2f} s")
            print(f"ratio to ideal: {pipeline / ideal:.2f} (target <= 1.3 with --raise-limits)")
            print(f"peak RSS of the check process: {rss_mb:.0f} MB")
            if args.sequential:
                (folder / "driftwatch.yaml").write_text(config(1, args.raise_limits))
                _, slow = driftwatch(folder, env, "check", "-f", "json")
                sequential = json.loads(slow.stdout)["duration_s"]
                print(f"concurrency 1: {sequential:.2f} s; speed-up {sequential / pipeline:.1f}x (target >= 10x)")
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
