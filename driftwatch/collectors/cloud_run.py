"""`kind: cloud-run`: Cloud Run v2 services on the official client (`run_v2.ServicesClient`).

Exact names are fetched with one `get` each, concurrently; globs or no names list the region
(paged). The service comes back as Google's REST JSON and the normaliser makes defaults
explicit and keeps output-only fields out of the desired state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from driftwatch.address import is_glob
from driftwatch.collectors.base import CollectContext, Collected, CollectorSettings, CollectorSpec, Pattern, bounded_map
from driftwatch.collectors.gcp import (
    CLOUD_RUN,
    PAGE_SIZE,
    ApiCaller,
    GcpFailure,
    blind,
    last_segment,
    make_client,
    not_found,
    pages,
    to_json,
    wanted,
)
from driftwatch.collectors.masking import DEFAULT_SECRET_KEYS, key_is_secret, mask_credentials
from driftwatch.model import NotChecked, Resource

RESOURCE_KIND = "cloud-run"
READ = "run_read"
RECONCILING = "reconciling: a rollout is in progress, so its settings are not judged; rerun when it settles"


class CloudRunSettings(CollectorSettings):
    kind: Literal["cloud-run"]
    project: str | None = Field(None, description="defaults to the top-level project")
    region: str | None = Field(None, description="defaults to the top-level region")
    services: list[Pattern] | None = Field(None, description="names or globs; omitted = all in the region")
    websocket_services: list[str] = Field(
        default_factory=list,
        description='services that carry WebSockets (names or globs); the label `websocket: "true"` also marks one',
    )
    secret_keys: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SECRET_KEYS),
        description="plain env vars whose name matches are fingerprinted, never shown (globs, case-insensitive)",
    )
    latency_critical_services: list[str] = Field(
        default_factory=list,
        description='services that must not scale to zero (names or globs); or the label `latency-critical: "true"`',
    )

    def tags_for(self, resource: str, document: dict[str, Any]) -> frozenset[str]:
        labels = document.get("labels") or {}
        tags = set()
        if (self.websocket_services and wanted(resource, self.websocket_services)) or labels.get("websocket") == "true":
            tags.add("websocket")
        critical = self.latency_critical_services
        if (critical and wanted(resource, critical)) or labels.get("latency-critical") == "true":
            tags.add("latency-critical")
        return frozenset(tags)


def collect(settings: CloudRunSettings, ctx: CollectContext) -> Collected:
    project, region = settings.project or ctx.project, settings.region or ctx.region
    if project is None or region is None:
        reason = "no project or region: set `project` and `region` in driftwatch.yaml"
        return blind(settings.name, settings.services, RESOURCE_KIND, ctx, reason)
    parent = f"projects/{project}/locations/{region}"
    try:
        from google.cloud import run_v2

        client = make_client(CLOUD_RUN, ctx, run_v2.ServicesClient)
    except GcpFailure as failure:
        return blind(settings.name, settings.services, RESOURCE_KIND, ctx, failure.reason)
    caller = ApiCaller(CLOUD_RUN, ctx, settings.name, project)
    if settings.services and not any(is_glob(p) for p in settings.services):
        return _get_each(client, caller, parent, settings, ctx)
    try:
        listed = pages(caller, READ, {"parent": parent, "page_size": PAGE_SIZE}, client.list_services, "services")
    except GcpFailure as failure:
        return blind(settings.name, settings.services, RESOURCE_KIND, ctx, failure.reason)
    found = {
        name: service
        for service in map(to_json, listed)
        if wanted(name := last_segment(service["name"]), settings.services)
        and not ctx.skip_resource(settings.name, name)
    }
    ctx.progress.planned(settings.name, len(found))
    results: list[Resource | NotChecked] = [_resource(settings, ctx, name, s) for name, s in found.items()]
    return results + not_found(settings.name, settings.services, found, RESOURCE_KIND, ctx, "not found: check the name")


def _get_each(
    client: Any, caller: ApiCaller, parent: str, settings: CloudRunSettings, ctx: CollectContext
) -> Collected:
    names = [n for n in dict.fromkeys(settings.services or []) if not ctx.skip_resource(settings.name, n)]
    ctx.progress.planned(settings.name, len(names))

    def get(name: str) -> Resource | NotChecked:
        full_name = f"{parent}/services/{name}"
        try:
            service = caller.call(READ, lambda timeout: client.get_service(name=full_name, timeout=timeout, retry=None))
        except GcpFailure as failure:
            ctx.progress.failed(settings.name)
            return NotChecked(settings.name, name, RESOURCE_KIND, failure.reason, missing=failure.missing)
        return _resource(settings, ctx, name, to_json(service))

    return bounded_map(get, names, ctx.concurrency)


def _resource(
    settings: CloudRunSettings, ctx: CollectContext, name: str, service: dict[str, Any]
) -> Resource | NotChecked:
    if service.get("reconciling"):
        ctx.progress.failed(settings.name)
        return NotChecked(settings.name, name, RESOURCE_KIND, RECONCILING)
    ctx.progress.advanced(settings.name)
    return Resource(settings.name, name, RESOURCE_KIND, mask_env(service, settings.secret_keys, ctx.fingerprint))


def mask_env(service: dict[str, Any], patterns: list[str], fingerprint: Callable[[str], str]) -> dict[str, Any]:
    """Plain env values that are secrets (by name, or credentials inside) become fingerprints here,
    at collection, like test-config values: a password in DATABASE_URL never reaches a report."""
    for container in (service.get("template") or {}).get("containers") or []:
        for entry in container.get("env") or []:
            value = entry.get("value")
            if not isinstance(value, str) or value == "":
                continue
            if key_is_secret(str(entry.get("name", "")), patterns):
                entry["value"] = fingerprint(value)
            else:
                entry["value"] = mask_credentials(value, fingerprint)[0]
    return service


COLLECTOR = CollectorSpec("cloud-run", RESOURCE_KIND, CloudRunSettings, collect)
