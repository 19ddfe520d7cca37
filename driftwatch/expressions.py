"""`require:` expressions: "ADDRESS OP VALUE", parsed once, evaluated over resolved values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from driftwatch.normalise.common import duration_seconds

_EXPR = re.compile(r"^\s*(?P<address>\S+)\s+(?P<op>==|!=|<=|>=|<|>|in|matches)\s+(?P<value>.+?)\s*$", re.S)
_DURATION_LITERAL = re.compile(r"^\d+(?:\.\d+)?(?:ms|s|m|h)$")


@dataclass(frozen=True)
class Requirement:
    address: str
    op: str
    value: Any

    def holds(self, actual: Any) -> bool:
        if self.op == "matches":
            return isinstance(actual, str | int | float) and re.search(self.value, str(actual)) is not None
        if self.op == "in":
            return any(_equal(actual, option) for option in self.value)
        if self.op == "==":
            return _equal(actual, self.value)
        if self.op == "!=":
            return not _equal(actual, self.value)
        left, right = _comparable(actual), _comparable(self.value)
        if left is None or right is None:
            return False
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[self.op]

    def describe_value(self) -> str:
        if self.op == "matches":
            return f"/{self.value}/"
        return str(self.value)


def parse_requirement(text: str) -> Requirement:
    match = _EXPR.match(text)
    if not match:
        raise ValueError('expected "ADDRESS OP VALUE" with OP one of == != < <= > >= in matches')
    op, raw = match.group("op"), match.group("value")
    value: Any
    if op == "matches":
        if not (raw.startswith("/") and raw.endswith("/") and len(raw) >= 2):
            raise ValueError("`matches` takes a /regex/")
        value = raw[1:-1]
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regex: {exc.msg}") from None
    elif op == "in":
        value = _literal(raw)
        if not isinstance(value, list):
            raise ValueError("`in` takes a list: in [a, b]")
    else:
        value = _literal(raw)
    return Requirement(match.group("address"), op, value)


def _literal(raw: str) -> Any:
    if _DURATION_LITERAL.match(raw):
        return raw
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def _comparable(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if _DURATION_LITERAL.match(value.strip()):
            return duration_seconds(value)
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _equal(actual: Any, expected: Any) -> bool:
    if actual == expected:
        return True
    if (isinstance(expected, str) and _DURATION_LITERAL.match(expected)) or (
        isinstance(actual, str) and _DURATION_LITERAL.match(str(actual))
    ):
        left, right = _comparable(actual), _comparable(expected)
        return left is not None and left == right
    return isinstance(actual, str) and not isinstance(expected, str) and actual == str(expected)
