"""Drift between a baseline and live document, per address, on deepdiff.

Normalisation has already removed order, defaults and formatting, so every change here is
real. Lists are values: a change inside one is reported once, at the list's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

from driftwatch.address import Address, Path, get_path
from driftwatch.model import ChangeStatus
from driftwatch.normalise import comparable

_STATUS = {
    "values_changed": ChangeStatus.MODIFIED,
    "type_changes": ChangeStatus.MODIFIED,
    "dictionary_item_added": ChangeStatus.ADDED,
    "dictionary_item_removed": ChangeStatus.REMOVED,
}
_MISSING = object()


@dataclass(frozen=True)
class Change:
    address: Address
    status: ChangeStatus
    expected: Any
    actual: Any


def diff_documents(kind: str, base: Address, expected: dict[str, Any], actual: dict[str, Any]) -> list[Change]:
    left, right = comparable(kind, expected), comparable(kind, actual)
    if left == right:
        return []
    tree = DeepDiff(left, right, view="tree", verbose_level=2, ignore_order=False)
    changes: dict[Path, Change] = {}
    for report_type, items in tree.items():
        for item in items:
            raw = item.path(output_format="list")
            path, inside_list = _list_owner(raw)
            if path in changes:
                continue
            status = ChangeStatus.MODIFIED if inside_list else _STATUS.get(report_type, ChangeStatus.MODIFIED)
            old, new = _value(left, path), _value(right, path)
            if inside_list and (old is _MISSING or new is _MISSING):
                status = ChangeStatus.ADDED if old is _MISSING else ChangeStatus.REMOVED
            changes[path] = Change(
                base.child(*path),
                status,
                None if old is _MISSING else old,
                None if new is _MISSING else new,
            )
    return [changes[p] for p in sorted(changes)]


def _list_owner(raw: list[Any]) -> tuple[Path, bool]:
    """Cut a deepdiff path at the first list index: the whole list is the changed value."""
    path: list[str] = []
    for part in raw:
        if isinstance(part, int):
            return tuple(path), True
        path.append(str(part))
    return tuple(path), False


def _value(document: dict[str, Any], path: Path) -> Any:
    try:
        return get_path(document, path)
    except KeyError:
        return _MISSING
