"""COLLECTORS: the one registry of collector kinds (config validation and docs read it)."""

from __future__ import annotations

from typing import Any

from driftwatch.collectors import cloud_run, probe, secret_manager, test_config
from driftwatch.collectors.base import CollectorSpec

COLLECTORS: dict[str, CollectorSpec[Any]] = {
    spec.kind: spec
    for spec in (
        secret_manager.COLLECTOR,
        cloud_run.COLLECTOR,
        test_config.COLLECTOR,
        probe.COLLECTOR,
    )
}
