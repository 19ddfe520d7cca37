"""Input text is strict UTF-8, but an escape in it (JSON `\\ud800`, Python `"\\ud800"`; PyYAML
refuses them itself) still yields a lone surrogate: a str that cannot be written out as UTF-8,
so a report, a baseline or stdout would fail at the very end of a run. Where text becomes data,
such characters are replaced by the escape that made them."""

from __future__ import annotations

from typing import Any


def without_lone_surrogates(data: Any, text: str) -> Any:
    """`data` parsed from `text`, with every lone surrogate in keys and values spelt `\\udXXX`."""
    if "\\u" not in text and "\\U" not in text:  # no escape, no surrogate: the usual case, free
        return data
    return _walk(data)


def valid_text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def _walk(data: Any) -> Any:
    if isinstance(data, str):
        return valid_text(data)
    if isinstance(data, dict):
        return {_walk(k): _walk(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_walk(item) for item in data]
    return data
