"""`check --shard I/N` + `merge`: the shares of a run add up to the unsharded run, no more, no less."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftwatch.baselines import load_baselines
from driftwatch.demo import DEMO_DIR, STATE_FILE, demo_config
from driftwatch.demo import tests_bypass_key as suite_bypass_key
from driftwatch.demo.behaviour import StagingBehaviour
from driftwatch.emulator import Emulator, load_state
from driftwatch.errors import ShardError
from driftwatch.merge import Share, join
from driftwatch.model import Result
from driftwatch.pipeline import evaluate, take_share
from driftwatch.shard import Shard, parse_shard, shard_from_env
from driftwatch.snapshot import read_snapshot
from tests.conftest import Run

MEASURED = re.compile(r"\d+(\.\d+)? ms")


def essence(data: dict[str, Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What must be equal between runs: every finding and every resource status (a probe's
    measured latency differs between two runs, so its figure is left out of the message)."""
    findings = sorted(
        (
            f["id"],
            f["rule"],
            f["severity"],
            f["status"],
            f["address"],
            MEASURED.sub("N ms", f["message"]),
            tuple(f["commands"]),
        )
        for f in data["findings"]
    )
    resources = sorted((r["source"], r["resource"], r["status"], r.get("error")) for r in data["resources"])
    return findings, resources


@pytest.fixture
def staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The demo's drifted staging: emulator + loopback endpoints, its config copied to tmp_path."""
    project = tmp_path / "project"
    shutil.copytree(DEMO_DIR, project)
    state = load_state(STATE_FILE)
    key = state.secrets[(state.project, "e2e-bypass-key")]
    accepted = [v.data.decode() for v in key.versions.values() if v.state == "ENABLED" and v.data]
    with Emulator(state) as emulator, StagingBehaviour(accepted_keys=accepted, drifted=True) as behaviour:
        for name, value in {**emulator.env(), **behaviour.environ(), "E2E_BYPASS_KEY": suite_bypass_key()}.items():
            monkeypatch.setenv(name, value)
        yield project


def test_four_shards_merged_equal_the_unsharded_run(cli, staging: Path) -> None:  # type: ignore[no-untyped-def]
    whole = cli("check", "-f", "json", "-o", "whole.json", cwd=staging)
    assert whole.code == 1, whole.err
    shares: list[Path] = []
    for index in range(4):
        run: Run = cli("check", "--shard", f"{index}/4", "-f", "json", "-o", f"shard-{index}.json", cwd=staging)
        assert run.code in (0, 1), run.err
        shares.append(staging / f"shard-{index}.json")
    parts = [json.loads(p.read_text()) for p in shares]
    per_shard = [{(r["source"], r["resource"]) for r in part["resources"]} for part in parts]
    assert sum(map(len, per_shard)) == len(set().union(*per_shard))  # no resource judged twice
    assert sum(bool(s) for s in per_shard) >= 3  # the demo's 10 resources really are spread
    assert all(part["shard"]["count"] == 4 for part in parts)
    assert not any(f["kind"] == "check" for part in parts for f in part["findings"])  # checks wait for merge

    merged = cli("merge", *map(str, reversed(shares)), "-f", "json", "-o", "merged.json", cwd=staging)
    assert merged.code == whole.code, merged.err
    merged_data = json.loads((staging / "merged.json").read_text())
    whole_data = json.loads((staging / "whole.json").read_text())
    assert essence(merged_data) == essence(whole_data)
    assert merged_data["summary"] == whole_data["summary"] and merged_data["shard"] is None
    assert len(merged_data["resources"]) == 10
    assert any(f["rule"] == "secret.shared-key-mismatch" for f in merged_data["findings"])  # spans shards


def test_merge_refuses_a_missing_or_doubled_shard(cli, staging: Path) -> None:  # type: ignore[no-untyped-def]
    for index in range(3):
        cli("check", "--shard", f"{index}/3", "-f", "json", "-o", f"s{index}.json", cwd=staging)
    missing = cli("merge", "s0.json", "s2.json", cwd=staging)
    assert missing.code == 2 and "shard 1/3 missing" in missing.err and "Traceback" not in missing.err
    doubled = cli("merge", "s0.json", "s1.json", "s1.json", "s2.json", cwd=staging)
    assert doubled.code == 2 and "shard 1/3 is also in s1.json" in doubled.err
    whole = cli("check", "-f", "json", "-o", "whole.json", cwd=staging)
    assert whole.code == 1
    not_a_shard = cli("merge", "whole.json", cwd=staging)
    assert not_a_shard.code == 2 and "not a shard result" in not_a_shard.err


def test_a_folder_of_shards_from_one_job_execution_merges_and_a_stale_share_is_refused(  # type: ignore[no-untyped-def]
    cli, staging: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CLOUD_RUN_TASK_COUNT", "2")
    monkeypatch.setenv("CLOUD_RUN_EXECUTION", "driftwatch-scan-abc12")
    for index in ("0", "1"):
        monkeypatch.setenv("CLOUD_RUN_TASK_INDEX", index)
        assert cli("check", "--output-dir", "shards", "-f", "json", cwd=staging).code in (0, 1)
    assert sorted(p.name for p in (staging / "shards").iterdir()) == [
        "driftwatch-shard-0-of-2.json",
        "driftwatch-shard-1-of-2.json",
    ]
    monkeypatch.delenv("CLOUD_RUN_TASK_INDEX")
    monkeypatch.delenv("CLOUD_RUN_TASK_COUNT")
    assert cli("merge", "shards", cwd=staging).code == 1
    # the next execution: task 1 failed before writing, so its file is yesterday's
    monkeypatch.setenv("CLOUD_RUN_EXECUTION", "driftwatch-scan-def34")
    assert cli("check", "--shard", "0/2", "--output-dir", "shards", "-f", "json", cwd=staging).code in (0, 1)
    stale = cli("merge", "shards", cwd=staging)
    assert stale.code == 2 and "comes from another run (driftwatch-scan-" in stale.err, stale.err


def test_the_shard_defaults_from_cloud_run_job_variables(cli, staging: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CLOUD_RUN_TASK_INDEX", "1")
    monkeypatch.setenv("CLOUD_RUN_TASK_COUNT", "2")
    run = cli("check", "-f", "json", "-o", "task.json", cwd=staging)
    assert run.code in (0, 1), run.err
    assert json.loads((staging / "task.json").read_text())["shard"]["index"] == 1
    refused = cli("check", "--history", "h.db", cwd=staging)
    assert refused.code == 2 and "belong on `driftwatch merge`" in refused.err


def test_a_shard_spec_that_does_not_exist_is_one_clear_error(cli, staging: Path) -> None:  # type: ignore[no-untyped-def]
    for spec, words in (("4/4", "shard 4/4 does not exist"), ("one of two", "is not I/N")):
        run = cli("check", "--shard", spec, cwd=staging)
        assert run.code == 2 and words in run.err and "Traceback" not in run.err
    assert parse_shard(" 2 / 5 ", {"DRIFTWATCH_RUN_ID": "r1"}) == Shard(2, 5, "r1")
    assert shard_from_env({"CLOUD_RUN_TASK_INDEX": "0", "CLOUD_RUN_TASK_COUNT": "1"}) is None
    with pytest.raises(ShardError):
        shard_from_env({"CLOUD_RUN_TASK_INDEX": "x", "CLOUD_RUN_TASK_COUNT": "2"})


# -- the same promise over any shard count, on a saved snapshot (fast) --------------------------


@pytest.fixture(scope="module")
def demo_snapshot_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from driftwatch.collectors.base import NoProgress
    from driftwatch.demo import demo_snapshot
    from driftwatch.snapshot import write_snapshot

    folder = tmp_path_factory.mktemp("snap")
    return write_snapshot(folder, demo_snapshot(demo_config(), NoProgress()))


@settings(max_examples=25, deadline=None)
@given(count=st.integers(min_value=1, max_value=12))
def test_any_shard_count_joins_to_the_whole(demo_snapshot_file: Path, count: int) -> None:
    loaded = demo_config()
    baselines = load_baselines(loaded.baselines_dir)
    snapshot = read_snapshot(demo_snapshot_file)
    whole = evaluate(loaded, snapshot, baselines, started=0.0)
    shares = []
    for index in range(count):
        resources, blind = take_share(Shard(index, count), list(snapshot.resources), list(snapshot.not_checked))
        part = type(snapshot)(snapshot.project, snapshot.generated_at, snapshot.key_id, tuple(resources), tuple(blind))
        shares.append(Share(Path(f"s{index}.json"), index, count, part))
    merged = evaluate(loaded, join(shares), baselines, started=0.0)
    assert essence(_data(merged)) == essence(_data(whole))


def _data(result: Result) -> dict[str, Any]:
    return result.to_json_dict()
