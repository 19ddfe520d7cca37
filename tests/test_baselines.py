"""Loading many baselines in worker processes gives what a serial read gives, errors included.

Each load runs in a fresh interpreter: worker processes are forked only while a process has
one thread, which a pytest process that ran emulator tests may not have.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from driftwatch.baselines import PARALLEL_FROM, read_baseline, write_baseline
from driftwatch.errors import BaselineError
from driftwatch.model import Resource

LOAD = """
import json, sys
from pathlib import Path
from driftwatch.baselines import _worker_count, load_baselines
from driftwatch.errors import BaselineError
folder = Path(sys.argv[1])
workers = _worker_count(len(list(folder.glob("*/*.yaml"))), busy_caller=False)
try:
    loaded = load_baselines(folder)
except BaselineError as exc:
    print(json.dumps({"workers": workers, "error": str(exc)}))
else:
    docs = {f"{s}/{r}": res.document for (s, r), res in loaded.resources.items()}
    print(json.dumps({"workers": workers, "documents": docs}))
"""


def _many(folder: Path, count: int) -> list[Path]:
    return [
        write_baseline(
            folder,
            Resource("run", f"svc-{i:05d}", "cloud-run", {"template": {"timeout": f"{i}s"}, "labels": {"n": str(i)}}),
        )
        for i in range(count)
    ]


def _load_in_fresh_process(folder: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", LOAD, str(folder)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_parallel_load_equals_a_serial_read(tmp_path: Path) -> None:
    paths = _many(tmp_path, PARALLEL_FROM + 201)
    serial = {f"{r.source}/{r.resource}": r.document for r in map(read_baseline, paths)}
    loaded = _load_in_fresh_process(tmp_path)
    assert loaded["workers"] >= 2  # on a 2-core machine or larger: the parallel path ran
    assert loaded["documents"] == serial
    assert len(serial) == PARALLEL_FROM + 201


def test_parallel_load_reports_the_first_bad_file_in_path_order(tmp_path: Path) -> None:
    paths = _many(tmp_path, PARALLEL_FROM + 201)
    paths[901].write_text("source: run\nresource: [unclosed\n")
    paths[700].write_text("document: {}\n")  # no source: bad shape
    loaded = _load_in_fresh_process(tmp_path)
    assert loaded["workers"] >= 2
    with pytest.raises(BaselineError) as serial:
        read_baseline(paths[700])
    assert loaded["error"] == str(serial.value)
    assert "svc-00700.yaml" in str(loaded["error"])
