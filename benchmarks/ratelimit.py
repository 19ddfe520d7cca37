"""Benchmark: the read quota is honoured, seen from the server's side.

Serves N secrets from the emulator, runs `driftwatch check` (a separate process) with
`versions: all` (one version list per secret: N + 1 read requests) and the default rate limits
(600 read requests a minute, burst 20), then slides a one-second window over the emulator's
request log and prints the most Secret Manager read requests any window saw, against the
target 10 + burst. Exits 1 if a window holds more, or if any secret was not checked.

    python benchmarks/ratelimit.py [--secrets 300] [--per-minute 600] [--burst 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from driftwatch.emulator import Emulator, RequestRecord, state_from_dict


def is_secret_manager_read(record: RequestRecord) -> bool:
    """get/list of secrets and versions; `:access` has a quota of its own."""
    return record.path.startswith("/v1/") and not record.path.endswith(":access") and not record.injected


def busiest_window(times: Sequence[float], width_s: float = 1.0) -> int:
    """The most events inside any half-open window [t, t + width) over sorted times."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= width_s:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=300)
    parser.add_argument("--per-minute", type=int, default=600, help="rate_limits.secretmanager_read")
    parser.add_argument("--burst", type=int, default=20, help="rate_limits.burst")
    args = parser.parse_args()
    command = "python benchmarks/ratelimit.py " + " ".join(sys.argv[1:])
    secrets = [
        {"name": f"secret-{i:05d}", "versions": [{"version": 1, "state": "ENABLED", "data": f"v{i}"}]}
        for i in range(args.secrets)
    ]
    config = (
        "version: 1\nproject: bench-proj\nconcurrency: 32\n"
        f"rate_limits: {{secretmanager_read: {args.per_minute}, burst: {args.burst}}}\n"
        "collectors:\n  - {name: secrets, kind: secret-manager, versions: all}\n"
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        Emulator(state_from_dict({"project": "bench-proj", "secrets": secrets})) as emulator,
    ):
        folder = Path(tmp)
        (folder / "driftwatch.yaml").write_text(config)
        (folder / "baselines").mkdir()  # every secret is new: the read plan is the same
        env = {**os.environ, **emulator.env(), "DRIFTWATCH_FINGERPRINT_KEY": "bench"}
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "driftwatch", "check", "-f", "json"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        if not run.stdout:
            raise SystemExit(f"benchmark broken: driftwatch check said {run.stderr.strip()}")
        result = json.loads(run.stdout)
        reads = [r.started for r in emulator.requests if is_secret_manager_read(r)]
    busiest = busiest_window(reads)
    per_second = args.per_minute // 60
    allowed = per_second + args.burst
    floor_s = (len(reads) - args.burst) * 60 / args.per_minute
    checked = result["summary"]["resources"] - result["summary"]["not_checked"]
    print(f"$ {command}")
    print(f"secrets checked: {checked} of {args.secrets}; read requests: {len(reads)}; wall {wall:.1f} s")
    print(f"busiest 1 s window: {busiest} read requests (target <= {per_second} + burst {args.burst} = {allowed})")
    print(f"lower bound at {args.per_minute}/min after the burst: {floor_s:.1f} s")
    return 0 if busiest <= allowed and checked == args.secrets else 1


if __name__ == "__main__":
    sys.exit(main())
