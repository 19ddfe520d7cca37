"""The bundled demo: the staging environment of the problem report, after its drift.

`driftwatch demo` starts the project's emulator on a free loopback port, seeded with
`state.yaml` (the Google Cloud state, as Secret Manager and Cloud Run return it), and runs the
real collectors through the official clients against it; the test-suite files are collected
from disk. The demo salt is fixed so the checked-in demo baselines match on every machine.
"""

from __future__ import annotations

import time
from pathlib import Path

from driftwatch.baselines import load_baselines
from driftwatch.collectors.base import NoProgress, Progress
from driftwatch.collectors.readers import read_python
from driftwatch.config import LoadedConfig, load_config
from driftwatch.demo.behaviour import StagingBehaviour
from driftwatch.emulator import Emulator, load_state
from driftwatch.fingerprint import Fingerprinter, load_fingerprinter
from driftwatch.model import Result, Snapshot
from driftwatch.pipeline import CollectOptions, collect, evaluate

DEMO_DIR = Path(__file__).parent
STATE_FILE = DEMO_DIR / "state.yaml"


def demo_config() -> LoadedConfig:
    return load_config(DEMO_DIR / "driftwatch.yaml")


def demo_fingerprinter(loaded: LoadedConfig) -> Fingerprinter:
    """Always the demo's own salt, whatever DRIFTWATCH_FINGERPRINT_KEY says."""
    return load_fingerprinter(loaded.baselines_dir, use_env=False)


def run_demo(progress: Progress | None = None, *, drifted: bool = True) -> Result:
    """The main job, end to end, against the emulator and the loopback staging endpoints;
    nothing leaves the loopback interface. `drifted=False` is the state before the drift."""
    started = time.monotonic()
    loaded = demo_config()
    snapshot = demo_snapshot(loaded, progress or NoProgress(), drifted=drifted)
    return evaluate(loaded, snapshot, load_baselines(loaded.baselines_dir), started=started)


def demo_snapshot(loaded: LoadedConfig, progress: Progress, *, drifted: bool = True) -> Snapshot:
    state = load_state(STATE_FILE)
    key = state.secrets[(state.project, "e2e-bypass-key")]
    enabled = [v for v in key.versions.values() if v.state == "ENABLED" and v.data]
    if not drifted:  # before the rotation the service read the key the tests still hold
        enabled = [v for v in key.versions.values() if v.data and v.number == 2]
    accepted = [v.data.decode() for v in enabled if v.data]
    with Emulator(state) as emulator, StagingBehaviour(accepted_keys=accepted, drifted=drifted) as staging:
        environ = {**staging.environ(), "E2E_BYPASS_KEY": tests_bypass_key()}
        options = CollectOptions(progress=progress, emulator_hosts=emulator.env(), environ=environ)
        return collect(loaded, demo_fingerprinter(loaded), options)


def tests_bypass_key() -> str:
    """The key the demo's e2e config holds, as the suite would send it."""
    parsed = read_python((DEMO_DIR / "tests" / "e2e" / "staging_test_config.py").read_text(encoding="utf-8"))
    return str(parsed.document["E2E_BYPASS_KEY"])
