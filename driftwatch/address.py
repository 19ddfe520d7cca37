"""Addresses `SOURCE/RESOURCE:PATH` and their globs: the one parser used everywhere.

PATH is dotted over the normalised document. A segment that itself contains a dot,
a quote, a colon, a `*` or white space (Cloud Run annotation keys such as
`run.googleapis.com/ingress`) is written in double quotes: `annotations."run.googleapis.com/ingress"`.
In globs `*` matches within one segment and a segment `**` matches any number of segments;
RESOURCE is segmented by `/` so test-config paths glob like files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from driftwatch.errors import AddressError

Path = tuple[str, ...]

_NEEDS_QUOTES = re.compile(r'[.":*\s]|^$')


def format_path(path: Sequence[str]) -> str:
    return ".".join(_quote(segment) for segment in path)


def _quote(segment: str) -> str:
    if _NEEDS_QUOTES.search(segment):
        return '"' + segment.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return segment


def parse_path(text: str) -> Path:
    """Split a dotted path, honouring double-quoted segments."""
    if text == "":
        return ()
    segments: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"':
            quoted = True
        elif char == ".":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    if quoted:
        raise AddressError(f"unterminated quote in path {text!r}", hint='close the "..." segment')
    segments.append("".join(current))
    if any(segment == "" for segment in segments):
        raise AddressError(f"empty segment in path {text!r}", hint="remove the doubled or trailing dot")
    return tuple(segments)


def _split(text: str) -> tuple[str, str, str | None]:
    source, slash, rest = text.partition("/")
    if not source:
        raise AddressError(f"address {text!r} has no source", hint="write SOURCE/RESOURCE:PATH")
    if not slash:
        return source, "", None
    resource, colon, path = rest.partition(":")
    if not resource:
        raise AddressError(f"address {text!r} has no resource", hint="write SOURCE/RESOURCE:PATH")
    return source, resource, path if colon else None


@dataclass(frozen=True, order=True)
class Address:
    """One concrete place: a resource, or a value inside its normalised document."""

    source: str
    resource: str
    path: Path = ()

    @classmethod
    def parse(cls, text: str) -> Address:
        source, resource, path = _split(text)
        if not resource:
            raise AddressError(f"address {text!r} has no resource", hint="write SOURCE/RESOURCE:PATH")
        return cls(source, resource, parse_path(path or ""))

    def child(self, *segments: str) -> Address:
        return Address(self.source, self.resource, self.path + segments)

    def __str__(self) -> str:
        base = f"{self.source}/{self.resource}"
        return f"{base}:{format_path(self.path)}" if self.path else base


@dataclass(frozen=True)
class AddressGlob:
    """A pattern over addresses. Without `:PATH` it covers the whole resource."""

    text: str
    source: str
    resource: tuple[str, ...]
    path: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> AddressGlob:
        source, resource, path = _split(text.strip())
        resource_segments = tuple(resource.split("/")) if resource else ("**",)
        path_segments = parse_path(path) if path is not None else ("**",)
        return cls(text.strip(), source, resource_segments, path_segments)

    @property
    def covers_whole_resource(self) -> bool:
        """True when every value of a matching resource is covered (so it need not be read)."""
        return self.path == ("**",)

    def matches_resource(self, source: str, resource: str) -> bool:
        return _segment_match(self.source, source) and resource_matches(self.resource, resource)

    def matches(self, address: Address) -> bool:
        if not self.matches_resource(address.source, address.resource):
            return False
        if not address.path:  # a resource-level address: only whole-resource globs cover it
            return self.covers_whole_resource
        return _match_segments(self.path, address.path)

    def __str__(self) -> str:
        return self.text


def is_glob(pattern: str) -> bool:
    """A name pattern rather than a name (`jwt-*`)."""
    return any(char in pattern for char in "*?[")


def resource_matches(pattern: str | Sequence[str], resource: str) -> bool:
    """A resource name against a resource glob (`jwt-*`, `tests/**/*.py`), segmented by `/`."""
    segments = tuple(pattern.split("/")) if isinstance(pattern, str) else tuple(pattern)
    return _match_segments(segments, tuple(resource.split("/")))


def path_matches(pattern: str, path: Sequence[str]) -> bool:
    """A document path against a path glob (`template.containers.*.env.*`)."""
    return _match_segments(_parsed_path(pattern), tuple(path))


@lru_cache(maxsize=1024)
def _parsed_path(pattern: str) -> tuple[str, ...]:
    return tuple(parse_path(pattern))


@lru_cache(maxsize=4096)
def _segment_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern)) + r"\Z",
        re.S,
    )


def _segment_match(pattern: str, segment: str) -> bool:
    if "*" not in pattern:
        return pattern == segment
    return _segment_regex(pattern).match(segment) is not None


def _match_segments(pattern: Sequence[str], segments: Sequence[str]) -> bool:
    """Glob match over segments where `**` spans zero or more of them (iterative DP)."""
    reachable = {0}
    for seg in segments:
        expanded = _expand_stars(pattern, reachable)
        reachable = set()
        for i in expanded:
            if i < len(pattern):
                if pattern[i] == "**":
                    reachable.add(i)
                elif _segment_match(pattern[i], seg):
                    reachable.add(i + 1)
        if not reachable:
            return False
    return len(pattern) in _expand_stars(pattern, reachable)


def _expand_stars(pattern: Sequence[str], states: set[int]) -> set[int]:
    expanded = set(states)
    stack = list(states)
    while stack:
        i = stack.pop()
        if i < len(pattern) and pattern[i] == "**" and i + 1 not in expanded:
            expanded.add(i + 1)
            stack.append(i + 1)
    return expanded


def walk(document: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every node of a document with its path, parents before children."""
    if prefix:
        yield prefix, document
    if isinstance(document, dict):
        for key, value in document.items():
            yield from walk(value, (*prefix, str(key)))


def leaves(document: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """The leaf values of a document (lists are leaves: they are values, not containers)."""
    if isinstance(document, dict) and document:
        for key, value in document.items():
            yield from leaves(value, (*prefix, str(key)))
    elif prefix:
        yield prefix, document


def get_path(document: Any, path: Path) -> Any:
    node = document
    for segment in path:
        if not isinstance(node, dict) or segment not in node:
            raise KeyError(format_path(path))
        node = node[segment]
    return node
