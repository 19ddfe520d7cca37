"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding,
shown on the run and, where the finding has a file and line, on that line of the PR diff."""

from __future__ import annotations

import re

from driftwatch.model import Result
from driftwatch.renderers.base import Renderer, RenderOptions
from driftwatch.severity import Severity

COMMANDS: dict[Severity, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}
_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+)$")


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: Result, options: RenderOptions) -> str:
    lines = []
    for f in result.findings:
        properties = [f"title={_property(f'driftwatch {f.severity}: {f.rule}')}"]
        if f.location:
            match = _LINE.match(f.location)
            properties.insert(0, f"file={_property(match.group('file') if match else f.location)}")
            if match:
                properties.insert(1, f"line={match.group('line')}")
        message = f"{f.address}: {f.message}"
        if f.commands:
            message += "\nFix: " + "\n".join(f.commands)
        lines.append(f"::{COMMANDS[f.severity]} {','.join(properties)}::{_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


RENDERER = Renderer("github", "txt", "GitHub Actions annotations (::error / ::warning)", render)
