"""`kind: probe`: behaviour, not configuration (HTTP, WebSocket, TCP)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from driftwatch.collectors.base import CollectContext, Collected, CollectorSettings, CollectorSpec
from driftwatch.collectors.pending import not_yet_live

RESOURCE_KIND = "probe"


class Probe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    http: str | None = None
    websocket: str | None = None
    tcp: str | None = None
    method: str = "GET"
    headers: dict[str, str] = Field(default_factory=dict, description="${VAR} values are read from the environment")
    json_body: dict[str, object] | None = Field(None, alias="json")
    subprotocols: list[str] = Field(default_factory=list)
    expect_json: list[str] = Field(default_factory=list, description="dotted JSON fields to record")
    record_headers: list[str] = Field(default_factory=list)
    timeout_s: float = Field(10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _one_target(self) -> Probe:
        if sum(t is not None for t in (self.http, self.websocket, self.tcp)) != 1:
            raise ValueError("a probe needs exactly one of `http`, `websocket` or `tcp`")
        return self


class ProbeSettings(CollectorSettings):
    kind: Literal["probe"]
    probes: list[Probe] = Field(min_length=1)


def collect(settings: ProbeSettings, ctx: CollectContext) -> Collected:
    return not_yet_live(settings.name, [p.name for p in settings.probes], RESOURCE_KIND, ctx)


COLLECTOR = CollectorSpec("probe", RESOURCE_KIND, ProbeSettings, collect)
