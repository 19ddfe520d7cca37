"""Property: for random services and one random change, diff plus rules give exactly one finding,
at the changed address; a reordering gives none."""

from __future__ import annotations

import copy
import random
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftwatch.baselines import Baselines
from driftwatch.config import load_config
from driftwatch.model import Resource, Snapshot
from driftwatch.normalise import normalise
from driftwatch.pipeline import evaluate
from tests.conftest import config_yaml, service

CONFIG = config_yaml("- {name: run, kind: cloud-run, services: [api], websocket_services: [api]}")
names = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)
values = st.from_regex(r"[a-z0-9.:/-]{1,12}", fullmatch=True)
services = st.builds(
    lambda env, labels, timeout: (env, labels, timeout),
    st.dictionaries(names, values, min_size=1, max_size=6),
    st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True), values, max_size=4),
    st.sampled_from(["60s", "300s", "3600s", "7200s"]),
)


def build(env: dict[str, str], labels: dict[str, str], timeout: str) -> dict[str, Any]:
    doc = service("api", env, timeout=timeout)
    doc["labels"] = labels
    return doc


def findings_for(folder: Path, before: dict[str, Any], after: dict[str, Any]) -> list[Any]:
    loaded = load_config(folder / "driftwatch.yaml")
    baseline = Resource("run", "api", "cloud-run", normalise("cloud-run", before))
    live = Resource("run", "api", "cloud-run", normalise("cloud-run", after))
    snapshot = Snapshot("demo-proj", "2026-11-24T00:00:00Z", "key", (live,))
    result = evaluate(loaded, snapshot, Baselines(folder, {("run", "api"): baseline}), started=time.monotonic())
    return result.findings


def one_change(data: st.DataObject, env: dict[str, str], labels: dict[str, str]) -> tuple[str, Any]:
    """A change as (expected address, function applying it to a REST service)."""
    kind = data.draw(st.sampled_from(["env-value", "env-add", "env-remove", "label", "timeout"]))
    key = data.draw(st.sampled_from(sorted(env)))
    new = data.draw(values.filter(lambda v: v not in env.values() and v not in labels.values()))

    def entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = doc["template"]["containers"][0]["env"]
        return result

    if kind == "env-value":
        return f"run/api:template.containers.0.env.{key}.value", lambda d: next(
            e for e in entries(d) if e["name"] == key
        ).update(value=new)
    if kind == "env-remove":
        return f"run/api:template.containers.0.env.{key}", lambda d: entries(d).remove(
            next(e for e in entries(d) if e["name"] == key)
        )
    if kind == "env-add":
        added = data.draw(names.filter(lambda n: n not in env))
        return f"run/api:template.containers.0.env.{added}", lambda d: entries(d).append({"name": added, "value": new})
    if kind == "label":
        label = data.draw(st.sampled_from(sorted(labels))) if labels else "fresh"
        return f"run/api:labels.{label}", lambda d: d["labels"].update({label: new})
    return "run/api:template.timeout", lambda d: d["template"].update(timeout="1234s")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=services, data=st.data())
def test_one_change_is_one_finding_at_its_address(tmp_path: Path, shape: Any, data: st.DataObject) -> None:
    (tmp_path / "driftwatch.yaml").write_text(CONFIG)
    env, labels, timeout = shape
    before = build(env, labels, timeout)
    address, change = one_change(data, env, labels)
    after = copy.deepcopy(before)
    change(after)
    findings = findings_for(tmp_path, before, after)
    assert [f.address for f in findings] == [address], [(f.rule, f.address) for f in findings]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=services, seed=st.integers(0, 2**16))
def test_a_reordering_is_no_finding(tmp_path: Path, shape: Any, seed: int) -> None:
    (tmp_path / "driftwatch.yaml").write_text(CONFIG)
    before = build(*shape)
    after = copy.deepcopy(before)
    random.Random(seed).shuffle(after["template"]["containers"][0]["env"])
    after["labels"] = dict(reversed(list(after["labels"].items())))
    assert findings_for(tmp_path, before, after) == []
