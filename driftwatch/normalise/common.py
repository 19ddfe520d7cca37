"""Small helpers shared by the per-kind normalisers. Each is idempotent."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_CAMEL = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def snake(name: str) -> str:
    if not _CAMEL.match(name):
        return name
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def snake_keys(node: Any, data_maps: frozenset[str], parent: str = "") -> Any:
    """snake_case structural keys, leaving the keys of data maps (labels, env names...) alone."""
    if isinstance(node, dict):
        keep = parent in data_maps
        return {
            (key if keep else snake(key)): snake_keys(value, data_maps, "" if keep else snake(key))
            for key, value in node.items()
        }
    if isinstance(node, list):  # list items are structural (a REST list of named things)
        return [snake_keys(item, data_maps) for item in node]
    return node


def duration(value: Any) -> Any:
    """`300`, `"300s"`, `"5m"`, `{"seconds": 300}` -> `"300s"`; anything else is left alone."""
    if isinstance(value, dict) and set(value) <= {"seconds", "nanos"}:
        seconds = float(value.get("seconds", 0) or 0) + float(value.get("nanos", 0) or 0) / 1e9
    elif isinstance(value, bool):
        return value
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        return value
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{seconds:g}s"


def duration_seconds(value: Any) -> float | None:
    text = duration(value)
    if isinstance(text, str) and text.endswith("s"):
        try:
            return float(text[:-1])
        except ValueError:
            return None
    return None


def as_int(value: Any) -> Any:
    """int64 fields arrive as strings over REST JSON."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


def keyed(items: Any, key: str = "name", *, drop_key: bool = True) -> dict[str, Any]:
    """A list of named things -> a mapping by name (by position when unnamed), so order is not drift.

    Already-keyed mappings pass through, which keeps the normaliser idempotent.
    """
    if isinstance(items, dict):
        return items
    result: dict[str, Any] = {}
    for index, item in enumerate(items or []):
        if not isinstance(item, dict):
            result[str(index)] = item
            continue
        name = item.get(key)
        label = str(name) if name not in (None, "") else str(index)
        result[label] = {k: v for k, v in item.items() if not (drop_key and k == key)}
    return result


def drop(mapping: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in set(keys)}


def drop_unspecified(node: Any) -> Any:
    """Enum values `*_UNSPECIFIED` mean 'not set': remove them so they equal absence."""
    if isinstance(node, dict):
        return {
            k: drop_unspecified(v) for k, v in node.items() if not (isinstance(v, str) and v.endswith("_UNSPECIFIED"))
        }
    if isinstance(node, list):
        return [drop_unspecified(v) for v in node]
    return node


def short_name(resource_name: Any) -> Any:
    """`projects/p/secrets/NAME` -> `NAME`."""
    if isinstance(resource_name, str) and "/" in resource_name:
        return resource_name.rstrip("/").rsplit("/", 1)[-1]
    return resource_name
