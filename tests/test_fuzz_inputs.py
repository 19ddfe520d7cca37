"""Hostile and malformed input, generated (hypothesis): driftwatch.yaml, baselines, snapshots,
result JSON given to `report`, and every test-config format.

Whatever the bytes, a run ends with exit 0, 1 or 2 and never a traceback or "internal error";
a refused input is exactly one line on stderr that names the file. Inputs are random text,
random bytes, random YAML/JSON structures, and valid files with one value replaced by a random
one (the mutations reach deeper than noise, which is refused at the first byte).
"""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import Run, config_yaml, write

EXAMPLES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Lone surrogates (an escape in JSON or YAML makes one), control characters, format characters
# and line separators: what breaks writing UTF-8, XML, one-line errors and terminals.
hostile = st.text(alphabet=st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp"]), min_size=1, max_size=6)
strings = st.text(max_size=30) | hostile | st.tuples(st.text(max_size=8), hostile).map("".join)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    strings,
)
structures = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12,
)
texts = st.text(max_size=400)
raw = st.binary(max_size=400)


def well_formed(run: Run, fmt: str) -> None:
    """What `report` printed parses as its format: machine readers take all of it or nothing."""
    if run.code != 0:
        return
    if fmt in ("json", "sarif"):
        json.loads(run.out)
    elif fmt == "junit":
        ET.fromstring(run.out.encode("utf-8"))
    run.out.encode("utf-8")  # every format can be written out as UTF-8


def judge(run: Run, *names: str) -> None:
    """Any outcome but a crash; a refusal is one line naming the file (or its folder)."""
    assert "Traceback" not in run.out + run.err, run.err
    assert "internal error" not in run.err, run.err
    assert run.code in (0, 1, 2), run.code
    if run.code == 2 and "driftwatch: error:" in run.err:
        lines = run.err.strip().splitlines()
        assert len(lines) == 1, run.err
        assert any(name in lines[0] for name in names), lines[0]


def mutate(document: Any, path: list[int], value: Any) -> Any:
    """Replace one node of `document` (chosen by `path`, indexes taken modulo) with `value`."""
    if not path or not isinstance(document, dict | list) or not document:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[path[0] % len(keys)]
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[key] = mutate(document[key], path[1:], value)  # type: ignore[index]
    return copy


FORMATS_OUT = ["text", "markdown", "html", "json", "sarif", "junit", "github"]
paths = st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=6)
contents = st.one_of(texts, raw, structures.map(lambda d: yaml.safe_dump(d)), structures.map(json.dumps))


def in_fresh_folder(body: Callable[[Path], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        body(Path(folder))


def put(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")


VALID = yaml.safe_load(
    config_yaml(
        "- {name: e2e, kind: test-config, files: [settings.yaml], secret_keys: ['*KEY*']}",
        'ignore:\n  - {path: "e2e/settings.yaml:b", reason: noise}\n'
        'checks:\n  - {name: c, require: "e2e/settings.yaml:a >= 1"}\n',
    )
)


@EXAMPLES
@given(content=contents)
def test_any_config_file(cli, content: str | bytes) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        put(root / "driftwatch.yaml", content)
        judge(cli("check", cwd=root), "driftwatch.yaml")

    in_fresh_folder(body)


@EXAMPLES
@given(path=paths, value=structures)
@example(path=[15, 0, 2, 0], value="")  # found by this test: an empty `files` entry named no file
def test_a_valid_config_with_one_value_replaced(cli, path: list[int], value: Any) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        put(root / "driftwatch.yaml", yaml.safe_dump(mutate(VALID, path, value)))
        put(root / "settings.yaml", "a: 1\nb: 2\nAPI_KEY: k\n")
        judge(cli("baseline", "update", cwd=root), "driftwatch.yaml")
        judge(cli("check", cwd=root), "driftwatch.yaml")

    in_fresh_folder(body)


def baselined(root: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    write(root, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [settings.yaml]}")})
    put(root / "settings.yaml", "a: 1\nnested: {b: [1, 2]}\n")
    assert cli("baseline", "update", cwd=root).code == 0
    return root / "baselines" / "e2e" / "settings.yaml.yaml"


@EXAMPLES
@given(content=contents)
def test_any_baseline_file(cli, content: str | bytes) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        put(baselined(root, cli), content)
        judge(cli("check", cwd=root), "settings.yaml.yaml")

    in_fresh_folder(body)


@EXAMPLES
@given(path=paths, value=structures)
def test_a_valid_baseline_with_one_value_replaced(cli, path: list[int], value: Any) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        baseline = baselined(root, cli)
        put(baseline, yaml.safe_dump(mutate(yaml.safe_load(baseline.read_text()), path, value)))
        judge(cli("check", cwd=root), "settings.yaml.yaml")

    in_fresh_folder(body)


def snapshotted(root: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    baselined(root, cli)
    assert cli("snapshot", "--out", "snap", cwd=root).code == 0
    return root / "snap" / "snapshot.json"


@EXAMPLES
@given(content=st.one_of(contents, st.just("")))
def test_any_snapshot_file(cli, content: str | bytes) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        put(snapshotted(root, cli), content)
        judge(cli("check", "--from-snapshot", "snap", cwd=root), "snapshot.json", "snap:")

    in_fresh_folder(body)


@EXAMPLES
@given(path=paths, value=structures)
@example(path=[6, 0, 28], value="")  # found by this test: a resource with an empty name
def test_a_valid_snapshot_with_one_value_replaced(cli, path: list[int], value: Any) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        snapshot = snapshotted(root, cli)
        put(snapshot, json.dumps(mutate(json.loads(snapshot.read_text()), path, value)))
        judge(cli("check", "--from-snapshot", "snap", cwd=root), "snapshot.json", "snap:")

    in_fresh_folder(body)


def saved_result(root: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    baselined(root, cli)
    put(root / "settings.yaml", "a: 2\nnested: {b: [1, 3]}\nAPI_KEY: committed-key-123456\n")
    assert cli("check", "-f", "json", "-o", "result.json", cwd=root).code == 1
    return root / "result.json"


@EXAMPLES
@given(content=contents, fmt=st.sampled_from(FORMATS_OUT))
def test_any_result_file_given_to_report(cli, content: str | bytes, fmt: str) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        put(root / "result.json", content)
        run = cli("report", "result.json", "--format", fmt, cwd=root)
        judge(run, "result.json")
        well_formed(run, fmt)

    in_fresh_folder(body)


@EXAMPLES
@given(path=paths, value=structures, fmt=st.sampled_from(FORMATS_OUT))
@example(path=[9], value={"\x1e": None}, fmt="text")  # found by this test: a key that splits the line
def test_a_valid_result_with_one_value_replaced(cli, path: list[int], value: Any, fmt: str) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        result = saved_result(root, cli)
        put(result, json.dumps(mutate(json.loads(result.read_text()), path, value)))
        run = cli("report", "result.json", "--format", fmt, cwd=root)
        judge(run, "result.json")
        well_formed(run, fmt)

    in_fresh_folder(body)


FORMATS = ["config.py", ".env.staging", "settings.yaml", "settings.json", "settings.toml", "pytest.ini"]


@EXAMPLES
@given(name=st.sampled_from(FORMATS), content=contents)
def test_any_test_config_file(cli, name: str, content: str | bytes) -> None:  # type: ignore[no-untyped-def]
    def body(root: Path) -> None:
        write(root, {"driftwatch.yaml": config_yaml(f"- {{name: e2e, kind: test-config, files: [{name!r}]}}")})
        put(root / name, content)
        judge(cli("baseline", "update", cwd=root), name)
        judge(cli("check", cwd=root), name)

    in_fresh_folder(body)
