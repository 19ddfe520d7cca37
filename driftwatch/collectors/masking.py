"""Find secrets in test-config values and replace them with fingerprints at collection.

Two ways a value is secret: its key looks secret (`secret_keys` globs on the last key
segment), or it carries a credential whatever the key is called: a password in a URL,
a Bearer token, a PEM private key, a JWT. Real test configs hide secrets in all of these.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from driftwatch.address import Path, format_path

DEFAULT_SECRET_KEYS = (
    "*KEY*",
    "*TOKEN*",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*CREDENTIAL*",
    "*PRIVATE*",
    "*AUTH*",
)

_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\s]*:)(?P<secret>[^@/?#\s]+)(?=@)")
_BEARER = re.compile(r"(?P<head>\b(?:Bearer|Basic|Token)\s+)(?P<secret>[A-Za-z0-9._~+/=-]{8,})", re.I)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")


@dataclass
class Masked:
    value: Any
    secret_literals: list[str] = field(default_factory=list)  # formatted paths holding committed secrets


def key_is_secret(key: str, patterns: Sequence[str]) -> bool:
    upper = key.upper()
    return any(fnmatch.fnmatchcase(upper, pattern.upper()) for pattern in patterns)


def mask_document(
    document: dict[str, Any],
    patterns: Sequence[str],
    fingerprint: Callable[[str], str],
    unresolved: set[str] | frozenset[str] = frozenset(),
) -> Masked:
    """Return a copy with every secret replaced by its fingerprint, and where they were."""
    found: list[str] = []
    masked = _mask(document, (), patterns, fingerprint, found, unresolved)
    return Masked(masked, found)


def _mask(
    node: Any,
    path: Path,
    patterns: Sequence[str],
    fingerprint: Callable[[str], str],
    found: list[str],
    unresolved: set[str] | frozenset[str],
) -> Any:
    if isinstance(node, dict):
        if path and format_path(path) in unresolved:
            return _mask_unresolved(node, path, patterns, fingerprint)
        return {k: _mask(v, (*path, k), patterns, fingerprint, found, unresolved) for k, v in node.items()}
    if isinstance(node, list):
        if path and key_is_secret(path[-1], patterns) and node:
            found.append(format_path(path))
            return fingerprint(repr(node))
        return [_mask(v, path, patterns, fingerprint, found, unresolved) for v in node]
    if path and key_is_secret(path[-1], patterns) and _is_secret_scalar(node):
        if looks_like_secret(node):
            found.append(format_path(path))
        return fingerprint(str(node))
    if isinstance(node, str):
        masked, hit = mask_credentials(node, fingerprint)
        if hit:
            found.append(format_path(path))
        return masked
    return node


def _mask_unresolved(
    node: dict[str, Any], path: Path, patterns: Sequence[str], fingerprint: Callable[[str], str]
) -> Any:
    expression = str(node.get("unresolved", ""))
    if key_is_secret(path[-1], patterns):
        return {"unresolved": fingerprint(expression)}
    masked, _ = mask_credentials(expression, fingerprint)
    return {"unresolved": _mask_string_literals(masked, fingerprint)}


def _mask_string_literals(expression: str, fingerprint: Callable[[str], str]) -> str:
    # An unresolved expression may still hold a long literal (a key passed to a helper).
    return re.sub(
        r"(['\"])([^'\"]{16,})\1",
        lambda m: m.group(1) + fingerprint(m.group(2)) + m.group(1),
        expression,
    )


def looks_like_secret(value: Any) -> bool:
    """A committed literal worth a hygiene finding: not a number, flag, short word or plain URL."""
    if not isinstance(value, str) or len(value) < 8:
        return False
    if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^@\s]*", value) and not _URL_PASSWORD.search(value):
        return False
    return not re.fullmatch(r"[\d.:-]+", value)


def _is_secret_scalar(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return False
    return not (isinstance(value, str) and value == "")


def mask_credentials(text: str, fingerprint: Callable[[str], str]) -> tuple[str, bool]:
    """Replace credentials embedded in a string; True when anything was replaced."""
    hit = False

    def whole(match: re.Match[str]) -> str:
        nonlocal hit
        hit = True
        return fingerprint(match.group(0))

    def tail(match: re.Match[str]) -> str:
        nonlocal hit
        if match.group("secret").startswith("fp:"):
            return match.group(0)
        hit = True
        return match.group("head") + fingerprint(match.group("secret"))

    text = _PEM.sub(whole, text)
    text = _JWT.sub(whole, text)
    text = _URL_PASSWORD.sub(tail, text)
    text = _BEARER.sub(tail, text)
    return text, hit
