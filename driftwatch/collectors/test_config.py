"""`kind: test-config`: the settings a test suite reads, from files, never executed.

Each matched file is one resource named by its path relative to driftwatch.yaml.
Secret values are fingerprinted here, before anything else sees the document.
"""

from __future__ import annotations

import glob as globlib
import os
from pathlib import Path
from typing import Literal

from pydantic import Field

from driftwatch.address import is_glob
from driftwatch.collectors.base import CollectContext, Collected, CollectorSettings, CollectorSpec, Pattern
from driftwatch.collectors.masking import DEFAULT_SECRET_KEYS, mask_document
from driftwatch.collectors.readers import Parsed, ReaderProblem, reader_for
from driftwatch.errors import InputFileError
from driftwatch.fsutil import read_text_capped
from driftwatch.model import NotChecked, Resource
from driftwatch.textsafe import valid_text, without_lone_surrogates

MAX_FILE_BYTES = 5_000_000
RESOURCE_KIND = "test-config"


class TestConfigSettings(CollectorSettings):
    __test__ = False  # not a pytest class, despite the name

    kind: Literal["test-config"]
    files: list[Pattern] = Field(min_length=1, description="paths or globs, relative to driftwatch.yaml")
    secret_keys: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SECRET_KEYS),
        description="case-insensitive globs on the last key segment; such values are fingerprinted",
    )
    allow_outside: bool = Field(False, description="allow files outside the config's folder")


def collect(settings: TestConfigSettings, ctx: CollectContext) -> Collected:
    collected: list[Resource | NotChecked] = []
    seen: set[str] = set()
    for pattern in settings.files:
        matches = _expand(pattern, ctx.config_dir)
        if not matches:
            if is_glob(pattern):
                collected.append(NotChecked(settings.name, pattern, RESOURCE_KIND, "no file matches this glob"))
            else:
                collected.append(NotChecked(settings.name, pattern, RESOURCE_KIND, "not found: check the path", True))
            continue
        for path in matches:
            name = _resource_name(path, ctx.config_dir, settings.allow_outside, pattern)
            if name in seen or ctx.skip_resource(settings.name, name):
                continue
            seen.add(name)
            collected.append(read_resource(settings, ctx, path, name))
    return collected


def read_resource(settings: TestConfigSettings, ctx: CollectContext, path: Path, name: str) -> Resource:
    reader = reader_for(path.name)
    if reader is None:
        raise InputFileError(
            f"{name}: unknown test-config format",
            hint="use .py, .env, .yaml, .json, .toml or .ini, or remove it from `files`",
        )
    text = read_text_capped(
        path, MAX_FILE_BYTES, InputFileError, label=name, hint="point `files` at test configs, not data"
    )
    try:
        parsed = reader(text)
    except ReaderProblem as exc:
        where = f"{name}:{exc.line}" if exc.line else name
        raise InputFileError(f"{where}: {exc.message}", hint="fix the file or remove it from `files`") from None
    parsed = _valid_unicode(parsed, text)
    masked = mask_document(parsed.document, settings.secret_keys, ctx.fingerprint, parsed.unresolved)
    return Resource(
        source=settings.name,
        resource=name,
        kind=RESOURCE_KIND,
        document=masked.value,
        origin=name,
        lines=parsed.lines,
        secret_literals=tuple(masked.secret_literals),
    )


def _valid_unicode(parsed: Parsed, text: str) -> Parsed:
    """Keys and values as they will be written (every reader can yield a lone surrogate from an
    escape); the line index and unresolved paths follow the keys."""
    document = without_lone_surrogates(parsed.document, text)
    if document is parsed.document:
        return parsed
    return Parsed(
        document,
        {valid_text(path): line for path, line in parsed.lines.items()},
        {valid_text(path) for path in parsed.unresolved},
    )


def _expand(pattern: str, base: Path) -> list[Path]:
    full = os.path.join(base, pattern)
    if is_glob(pattern):
        return sorted(Path(p) for p in globlib.glob(full, recursive=True, include_hidden=True) if os.path.isfile(p))
    path = Path(full)
    return [path] if path.is_file() else []


def _resource_name(path: Path, base: Path, allow_outside: bool, pattern: str) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(base.resolve()).as_posix()
    except ValueError:
        if not allow_outside:
            raise InputFileError(
                f"{pattern}: resolves outside the config's folder",
                hint="move the file under the config's folder, or set `allow_outside: true` on the collector",
            ) from None
    return os.path.relpath(resolved, base.resolve()).replace(os.sep, "/")


COLLECTOR = CollectorSpec("test-config", RESOURCE_KIND, TestConfigSettings, collect)
