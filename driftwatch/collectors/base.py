"""The collector seam: settings model + collect(settings, ctx) -> resources or NOT_CHECKED."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from driftwatch.fingerprint import Fingerprinter
from driftwatch.model import NotChecked, Resource


class CollectorSettings(BaseModel):
    """Options every collector has; each kind extends it with its own, validated from driftwatch.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="unique name: the SOURCE of its addresses",
    )
    kind: str
    concurrency: int | None = Field(None, ge=1, le=256, description="overrides the top-level concurrency")


@dataclass(frozen=True)
class CollectContext:
    """What a collector may know about the run; nothing about other stages."""

    config_dir: Path
    project: str | None
    region: str | None
    fingerprint: Fingerprinter
    concurrency: int
    skip_resource: Callable[[str, str], bool]  # (source, resource) -> an ignore rule covers it whole


Collected = Sequence[Resource | NotChecked]
S = TypeVar("S", bound=CollectorSettings)


@dataclass(frozen=True)
class CollectorSpec(Generic[S]):
    kind: str  # the `kind:` in driftwatch.yaml
    resource_kind: str  # the kind of the resources it produces (normaliser and rule namespace)
    settings: type[S]
    collect: Callable[[S, CollectContext], Collected]
