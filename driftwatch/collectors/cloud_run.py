"""`kind: cloud-run`: Cloud Run v2 services, normalised so defaults and order never drift."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from driftwatch.collectors.base import CollectContext, Collected, CollectorSettings, CollectorSpec
from driftwatch.collectors.pending import not_yet_live

RESOURCE_KIND = "cloud-run"


class CloudRunSettings(CollectorSettings):
    kind: Literal["cloud-run"]
    project: str | None = Field(None, description="defaults to the top-level project")
    region: str | None = Field(None, description="defaults to the top-level region")
    services: list[str] | None = Field(None, description="names or globs; omitted = all in the region")
    websocket_services: list[str] = Field(
        default_factory=list, description="services that carry WebSockets (names or globs)"
    )


def collect(settings: CloudRunSettings, ctx: CollectContext) -> Collected:
    return not_yet_live(settings.name, settings.services, RESOURCE_KIND, ctx)


COLLECTOR = CollectorSpec("cloud-run", RESOURCE_KIND, CloudRunSettings, collect)
