"""The subset of Secret Manager's list `filter` grammar driftwatch sends, evaluated like the API.

Terms: `name:TEXT` (the secret id contains TEXT), `labels.KEY=VALUE`, `labels.KEY:*` (has the
label). Combined with `AND`, `OR`, `NOT` and parentheses; as in Google's list filters (AIP-160),
OR binds tighter than AND. Anything else is an INVALID_ARGUMENT, as the real API answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[str, Mapping[str, str]], bool]  # (secret id, labels) -> keep

_TOKEN = re.compile(r'\s*(\(|\)|"[^"]*"|[^\s()]+)')
_TERM = re.compile(r"^(name|labels\.[A-Za-z0-9_-]+)(:|=)(.+)$")


class FilterError(ValueError):
    pass


def compile_filter(text: str) -> Predicate:
    tokens = _TOKEN.findall(text)
    if not tokens:
        return lambda _name, _labels: True
    parser = _Parser(tokens)
    predicate = parser.conjunction()
    if parser.position != len(tokens):
        raise FilterError(f"unexpected {tokens[parser.position]!r} in filter")
    return predicate


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise FilterError("filter ends too early")
        self.position += 1
        return token

    def conjunction(self) -> Predicate:
        parts = [self.disjunction()]
        while self.peek() not in (None, ")"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.disjunction())  # juxtaposition is AND too
        return lambda name, labels: all(p(name, labels) for p in parts)

    def disjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.unary())
        return lambda name, labels: any(p(name, labels) for p in parts)

    def unary(self) -> Predicate:
        token = self.take()
        if token in ("NOT", "-"):
            inner = self.unary()
            return lambda name, labels: not inner(name, labels)
        if token == "(":
            inner = self.conjunction()
            if self.take() != ")":
                raise FilterError("missing ')' in filter")
            return inner
        return _term(token)


def _term(token: str) -> Predicate:
    match = _TERM.match(token)
    if match is None:
        raise FilterError(f"unsupported filter term {token!r}")
    field, operator, raw = match.groups()
    value = raw.strip('"')
    if field == "name":
        return lambda name, _labels: value in name if operator == ":" else name == value
    key = field.split(".", 1)[1]
    if operator == ":" and value == "*":
        return lambda _name, labels: key in labels
    if operator == ":":
        return lambda _name, labels: value in labels.get(key, "")
    return lambda _name, labels: labels.get(key) == value


def labels_of(metadata: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}
