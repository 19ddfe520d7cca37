"""The terminal summary prints hostile keys and values escaped: only its own colours reach the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from driftwatch.renderers import RENDERERS
from driftwatch.renderers.base import RenderOptions
from driftwatch.result_io import read_result
from tests.conftest import config_yaml, write

TITLE = "\x1b]0;pwned\x07"  # sets the terminal's window title
CLEAR = "\x1b[2J"  # clears the screen


def test_terminal_escapes_in_keys_and_values_are_shown_escaped(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [s.json]}")})
    (tmp_path / "s.json").write_text(json.dumps({"a": 1}))
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    (tmp_path / "s.json").write_text(json.dumps({"a": TITLE, f"k{CLEAR}": "x"}))
    run = cli("check", "-f", "json", "-o", "result.json", cwd=tmp_path)
    assert run.code == 1
    assert "\x1b" not in run.err  # the summary on stderr
    result = read_result(tmp_path / "result.json")
    for color in (False, True):
        text = RENDERERS["text"].render(result, RenderOptions(color=color))
        assert "\x1b]" not in text and "\x07" not in text and "\x1b[2J" not in text
        assert "\\x1b]0;pwned\\x07" in text and "k\\x1b[2J" in text  # shown, escaped
        codes = text.count("\x1b[")
        assert (codes > 0) == color  # colour, when asked for, still works


def test_the_summary_ends_with_a_newline(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Without it the shell prompt, or the `reports: ...` line on stderr, joined the verdict line."""
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [s.json]}")})
    (tmp_path / "s.json").write_text(json.dumps({"a": 1}))
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    run = cli("check", "-f", "text", cwd=tmp_path)
    assert run.code == 0 and run.out.endswith("IN SYNC: no findings\n"), run.out
