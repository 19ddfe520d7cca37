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
from driftwatch.config import LoadedConfig, load_config
from driftwatch.emulator import Emulator, load_state
from driftwatch.fingerprint import Fingerprinter, load_fingerprinter
from driftwatch.model import Result
from driftwatch.pipeline import CollectOptions, collect, evaluate

DEMO_DIR = Path(__file__).parent
STATE_FILE = DEMO_DIR / "state.yaml"


def demo_config() -> LoadedConfig:
    return load_config(DEMO_DIR / "driftwatch.yaml")


def demo_fingerprinter(loaded: LoadedConfig) -> Fingerprinter:
    """Always the demo's own salt, whatever DRIFTWATCH_FINGERPRINT_KEY says."""
    return load_fingerprinter(loaded.baselines_dir, use_env=False)


def run_demo(progress: Progress | None = None) -> Result:
    """The main job, end to end, against the emulator; nothing leaves the loopback interface."""
    started = time.monotonic()
    loaded = demo_config()
    fingerprint = demo_fingerprinter(loaded)
    with Emulator(load_state(STATE_FILE)) as emulator:
        options = CollectOptions(progress=progress or NoProgress(), emulator_hosts=emulator.env())
        snapshot = collect(loaded, fingerprint, options)
    return evaluate(loaded, snapshot, load_baselines(loaded.baselines_dir), started=started)
