"""Checked-in expected state: `baselines/SOURCE/RESOURCE.yaml`, one reviewable file per resource.

Files carry their own identity (source, resource, kind), so the file name only needs to be
safe: test-config paths like `tests/e2e/.env.staging` become `tests__e2e___.env.staging.yaml`
and nothing a resource is called can point outside the folder.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftwatch import yamlio
from driftwatch.errors import BaselineError
from driftwatch.fsutil import atomic_write_text, read_text_capped
from driftwatch.model import Resource
from driftwatch.normalise import normalise

MAX_BASELINE_BYTES = 10_000_000
HEADER = """\
# driftwatch baseline: {address}
# Expected state, written by `driftwatch baseline update`. Review changes like code.
# Secret values appear only as keyed fingerprints (fp:...), never as plaintext.
"""


def file_name(resource: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", resource.replace("/", "__"))
    if slug.startswith("."):
        slug = "_" + slug
    if len(slug) > 180:
        slug = slug[:160] + "-" + hashlib.sha256(resource.encode()).hexdigest()[:12]
    return slug + ".yaml"


def baseline_path(folder: Path, source: str, resource: str) -> Path:
    return folder / file_name(source).removesuffix(".yaml") / file_name(resource)


@dataclass(frozen=True)
class Baselines:
    folder: Path
    resources: dict[tuple[str, str], Resource]

    def get(self, source: str, resource: str) -> Resource | None:
        return self.resources.get((source, resource))

    def for_source(self, source: str) -> list[Resource]:
        return [r for (s, _), r in sorted(self.resources.items()) if s == source]


def require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise BaselineError(
            f"{folder}: no baselines folder",
            hint="run `driftwatch baseline update` to record the current state as the baseline",
        )


def load_baselines(folder: Path) -> Baselines:
    require_folder(folder)
    resources: dict[tuple[str, str], Resource] = {}
    for path in sorted(folder.glob("*/*.yaml")):
        resource = read_baseline(path)
        key = (resource.source, resource.resource)
        if key in resources:
            raise BaselineError(f"{path}: a second baseline for {resource.address}", hint="delete one of them")
        resources[key] = resource
    return Baselines(folder, resources)


def read_baseline(path: Path) -> Resource:
    text = read_text_capped(path, MAX_BASELINE_BYTES, BaselineError, hint="restore it from version control")
    try:
        data = yamlio.load_data(text)
    except yamlio.YamlProblem as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise BaselineError(
            f"{where}: {exc.message}",
            hint="fix it, restore it from version control, or rerun `driftwatch baseline update`",
        ) from None
    problem = _shape_problem(data)
    if problem:
        raise BaselineError(
            f"{path}: {problem}",
            hint="restore it from version control or rerun `driftwatch baseline update`",
        )
    expected = baseline_path(path.parent.parent, data["source"], data["resource"])
    if expected.name != path.name or expected.parent.name != path.parent.name:
        raise BaselineError(
            f"{path}: holds {data['source']}/{data['resource']}, "
            f"which belongs in {expected.relative_to(path.parent.parent)}",
            hint="move or rename the file",
        )
    return Resource(data["source"], data["resource"], data["kind"], normalise(data["kind"], data["document"]))


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "not a baseline (expected a mapping with source, resource, kind, document)"
    for key in ("source", "resource", "kind"):
        if not isinstance(data.get(key), str) or not data[key]:
            return f"`{key}` is missing or not a string"
    if not isinstance(data.get("document"), dict):
        return "`document` is missing or not a mapping"
    return None


def render_baseline(resource: Resource) -> str:
    body = {
        "source": resource.source,
        "resource": resource.resource,
        "kind": resource.kind,
        "document": resource.document,
    }
    return HEADER.format(address=resource.address) + yamlio.dump(body)


def write_baseline(folder: Path, resource: Resource) -> Path:
    path = baseline_path(folder, resource.source, resource.resource)
    atomic_write_text(path, render_baseline(resource))
    return path


def delete_baseline(folder: Path, source: str, resource: str) -> None:
    baseline_path(folder, source, resource).unlink(missing_ok=True)
