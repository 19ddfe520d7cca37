"""Escapes that make characters no output can carry: a lone surrogate (JSON `\\ud800`, Python
`"\\ud800"`) cannot be written as UTF-8, and control characters are not allowed in XML. Every
report must still be written, and every machine format must parse."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from driftwatch.textsafe import valid_text, without_lone_surrogates
from tests.conftest import config_yaml, write

HOSTILE = {
    "settings.json": '{"a": "x\\u0001y\\ud800z", "k\\udfff\\u0002": 1}',
    "settings.yaml": 'a: "x\\x01y\\x1bz"\n"k\\x02": 1\n',  # PyYAML refuses surrogate escapes itself
    "config.py": 'A = "x\\x01y\\ud800z"\nB = "\\udfff\\x02"\n',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_report_is_written_and_parses(cli, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml(f"- {{name: e2e, kind: test-config, files: [{name}]}}")})
    (tmp_path / name).write_text({"settings.json": '{"a": 1}', "settings.yaml": "a: 1\n", "config.py": "A = 1\n"}[name])
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    (tmp_path / name).write_text(HOSTILE[name])
    formats = [arg for fmt in ("json", "markdown", "html", "sarif", "junit", "text") for arg in ("-f", fmt)]
    run = cli("check", "--output-dir", "out", *formats, cwd=tmp_path)
    assert run.code == 1, run.err
    out = tmp_path / "out"
    result = json.loads((out / "driftwatch.json").read_text(encoding="utf-8"))
    assert any("\x01" in str(f["actual"]) for f in result["findings"])  # the value is there, as it is
    json.loads((out / "driftwatch.sarif").read_text(encoding="utf-8"))
    ET.parse(out / "driftwatch.xml")  # no control character XML forbids
    for report in out.iterdir():
        report.read_text(encoding="utf-8")  # strict UTF-8: no surrogate reached a file
    assert cli("check", cwd=tmp_path).code == 1  # the terminal summary is written too
    assert cli("baseline", "update", cwd=tmp_path).code == 0  # and so is a baseline
    assert cli("check", cwd=tmp_path).code == 0


def test_a_saved_result_with_surrogate_escapes_renders_in_every_format(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [s.json]}")})
    (tmp_path / "s.json").write_text('{"a": 1}')
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    (tmp_path / "s.json").write_text('{"a": 2}')
    assert cli("check", "-f", "json", "-o", "result.json", cwd=tmp_path).code == 1
    text = (tmp_path / "result.json").read_text().replace("changed since the baseline", "changed \\ud800\\u0001")
    (tmp_path / "result.json").write_text(text)
    for fmt in ("text", "markdown", "html", "json", "sarif", "junit", "github"):
        run = cli("report", "result.json", "--format", fmt, cwd=tmp_path)
        assert run.code == 0, (fmt, run.err)
        run.out.encode("utf-8")
    ET.fromstring(cli("report", "result.json", "--format", "junit", cwd=tmp_path).out.encode())


def test_only_lone_surrogates_change() -> None:
    assert valid_text("café ✓ 日本 \U0001f600") == "café ✓ 日本 \U0001f600"
    assert valid_text("a\ud800b") == "a\\ud800b"
    data = {"k\udfff": ["x\ud800", 1, None, {"ok": "fine"}]}
    assert without_lone_surrogates(data, "\\u") == {"k\\udfff": ["x\\ud800", 1, None, {"ok": "fine"}]}
    assert without_lone_surrogates(data, "no escape in the text") is data  # the free path
