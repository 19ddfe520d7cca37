"""Benchmark: start-up. `driftwatch --help` wall time (best of 5) and what it imports; and
`check --from-snapshot` of 100 resources.

    python benchmarks/startup.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from driftwatch.fingerprint import load_fingerprinter
from driftwatch.model import Resource, Snapshot
from driftwatch.snapshot import write_snapshot


def best_of(command: list[str], cwd: Path | None = None, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    print("$ python benchmarks/startup.py")
    driftwatch = [sys.executable, "-m", "driftwatch"]
    print(f"driftwatch --help: {best_of([*driftwatch, '--help']) * 1000:.0f} ms best of 5 (target < 150 ms)")
    heavy = "('google', 'grpc', 'pydantic', 'httpx', 'jinja2', 'deepdiff')"
    probe = (
        "import sys\nfrom driftwatch.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(len(sys.modules), sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    )
    imported = (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    )
    print(f"modules after --help: {imported}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "driftwatch.yaml").write_text(
            "version: 1\nproject: p\ncollectors:\n  - {name: e2e, kind: test-config, files: ['*.env']}\n"
        )
        key_id = load_fingerprinter(folder / "baselines", create=True).key_id
        resources = tuple(Resource("e2e", f"f{i}.env", "test-config", {"A": str(i)}) for i in range(100))
        write_snapshot(folder / "snap", Snapshot("p", "2026-01-01T00:00:00Z", key_id, resources))
        update = subprocess.run(
            [*driftwatch, "baseline", "update", "--from-snapshot", "snap"], cwd=folder, capture_output=True, text=True
        )
        if update.returncode:
            raise SystemExit(f"benchmark broken: {update.stderr.strip()}")
        wall = best_of([*driftwatch, "check", "--from-snapshot", "snap"], cwd=folder)
    print(f"check --from-snapshot of 100 resources: {wall * 1000:.0f} ms best of 5 (target < 500 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
