"""The bundled demo: the staging environment of the problem report, after its drift.

The Google Cloud state comes from `state.yaml` (the REST shapes Secret Manager and Cloud Run
return), read offline and passed through the same document builders and normalisers as
live collection; the test-suite files are collected for real. The demo salt is fixed so the
checked-in demo baselines match on every machine.
"""

from __future__ import annotations

import fnmatch
import time
from pathlib import Path
from typing import Any

import yaml

from driftwatch.baselines import load_baselines
from driftwatch.collectors.cloud_run import CloudRunSettings
from driftwatch.collectors.secret_manager import SecretManagerSettings, build_document
from driftwatch.config import LoadedConfig, load_config
from driftwatch.fingerprint import Fingerprinter, load_fingerprinter
from driftwatch.model import Resource, Result, Snapshot
from driftwatch.normalise import normalise
from driftwatch.pipeline import collect, evaluate

DEMO_DIR = Path(__file__).parent
STATE_FILE = DEMO_DIR / "state.yaml"


def demo_config() -> LoadedConfig:
    return load_config(DEMO_DIR / "driftwatch.yaml")


def demo_fingerprinter(loaded: LoadedConfig) -> Fingerprinter:
    """Always the demo's own salt, whatever DRIFTWATCH_FINGERPRINT_KEY says."""
    return load_fingerprinter(loaded.baselines_dir, use_env=False)


def load_state(path: Path = STATE_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def snapshot_from_state(loaded: LoadedConfig, fingerprint: Fingerprinter, state: dict[str, Any]) -> Snapshot:
    """Live test configs plus the Google Cloud state of `state`, as one snapshot."""
    live = collect(loaded, fingerprint)
    cloud_sources: set[str] = set()
    resources = list(live.resources)
    for settings in loaded.config.collectors:
        if isinstance(settings, SecretManagerSettings):
            cloud_sources.add(settings.name)
            resources.extend(_secrets(settings, state, fingerprint))
        elif isinstance(settings, CloudRunSettings):
            cloud_sources.add(settings.name)
            resources.extend(_services(settings, state))
    not_checked = tuple(n for n in live.not_checked if n.source not in cloud_sources)
    return Snapshot(live.project, live.generated_at, fingerprint.key_id, tuple(resources), not_checked)


def _wanted(name: str, patterns: list[str] | None) -> bool:
    return patterns is None or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _secrets(settings: SecretManagerSettings, state: dict[str, Any], fingerprint: Fingerprinter) -> list[Resource]:
    resources = []
    for secret in state.get("secrets", []):
        if not _wanted(secret["name"], settings.secrets):
            continue
        versions = secret.get("versions", [])
        payloads = {int(v["version"]): str(v["data"]).encode() for v in versions if v.get("data") is not None}
        document = build_document(secret, versions, payloads, fingerprint, all_versions=settings.versions == "all")
        resources.append(Resource(settings.name, secret["name"], "secret", normalise("secret", document)))
    return resources


def _services(settings: CloudRunSettings, state: dict[str, Any]) -> list[Resource]:
    resources = []
    for service in state.get("services", []):
        name = service["name"].rsplit("/", 1)[-1]
        if _wanted(name, settings.services):
            resources.append(Resource(settings.name, name, "cloud-run", normalise("cloud-run", service)))
    return resources


def run_demo() -> Result:
    started = time.monotonic()
    loaded = demo_config()
    fingerprint = demo_fingerprinter(loaded)
    snapshot = snapshot_from_state(loaded, fingerprint, load_state())
    return evaluate(loaded, snapshot, load_baselines(loaded.baselines_dir), started=started)
