"""`kind: secret-manager`: secrets and versions on the official client, values only as fingerprints.

The read plan respects Secret Manager's quotas (600 reads against 90,000 accesses a minute):
one paged list gives every secret's metadata; each secret then costs one access of `latest`
plus one per version a collected Cloud Run service pins. Version lists are read only with
`versions: all`; when `latest` cannot be accessed, one `get` of it tells its number and state.
Payload bytes are fingerprinted inside the call that received them and go no further.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, Literal

from pydantic import Field

from driftwatch.address import is_glob
from driftwatch.collectors.base import (
    CollectContext,
    Collected,
    CollectorSettings,
    CollectorSpec,
    Pattern,
    bounded_map,
    thread_pool,
)
from driftwatch.collectors.gcp import (
    PAGE_SIZE,
    SECRET_MANAGER,
    ApiCaller,
    GcpFailure,
    blind,
    iter_pages,
    last_segment,
    make_client,
    not_found,
    pages,
    to_json,
    wanted,
)
from driftwatch.model import NotChecked, Resource

RESOURCE_KIND = "secret"
READ, ACCESS = "secretmanager_read", "secretmanager_access"


class SecretManagerSettings(CollectorSettings):
    kind: Literal["secret-manager"]
    project: str | None = Field(None, description="defaults to the top-level project")
    secrets: list[Pattern] | None = Field(None, description="names or globs; omitted = all in the project")
    labels: dict[str, str] | None = Field(None, description="only secrets with all these labels")
    versions: Literal["latest", "all"] = Field("latest", description="`all` also reads every version's state")


# -- the document ------------------------------------------------------------------------------


def build_document(
    secret: Mapping[str, Any],
    *,
    latest: Mapping[str, Any] | None,
    value: str | None,
    versions: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A secret's document (CONTRACT section 3) from its REST metadata and what was read.

    `latest` is the version Secret Manager resolves `latest` to (the newest, whatever its
    state); `value` the fingerprint of its payload when it is ENABLED. Versions Cloud Run
    services pin by number or alias are added later under `status.versions` (see `pin`): kept
    for checks, never compared, so a redeploy pinning another version is not drift of the secret.
    """
    document: dict[str, Any] = {k: v for k, v in secret.items() if k not in ("versions", "name")}
    if latest is not None:
        document["latest"] = dict(latest)
    if value is not None:
        document["value"] = value
    if versions is not None:
        document["versions"] = {k: dict(v) for k, v in versions.items()}
    return document


def server_filter(patterns: Sequence[str] | None, labels: Mapping[str, str] | None) -> str:
    """The list `filter` that narrows server-side; globs are matched exactly afterwards."""
    terms = [f"labels.{key}={value}" for key, value in sorted((labels or {}).items())]
    if patterns:
        prefixes = [_literal_prefix(p) for p in patterns]
        if all(prefixes):
            terms.append("(" + " OR ".join(f"name:{p}" for p in sorted(set(prefixes))) + ")")
    return " AND ".join(terms)


def _literal_prefix(pattern: str) -> str:
    for index, char in enumerate(pattern):
        if is_glob(char):
            return pattern[:index]
    return pattern


def pinned_versions(upstream: Iterable[Resource]) -> dict[str, set[str]]:
    """Secret name -> the versions (numbers, aliases, `latest`) collected services read."""
    pins: dict[str, set[str]] = {}
    for resource in upstream:
        template = resource.document.get("template") or {}
        for container in (template.get("containers") or {}).values():
            for entry in (container.get("env") or {}).values():
                if isinstance(entry, dict) and "secret" in entry:
                    pins.setdefault(str(entry["secret"]), set()).add(str(entry.get("version") or "latest"))
        for volume in (template.get("volumes") or {}).values():
            ref = volume.get("secret") if isinstance(volume, dict) else None
            if isinstance(ref, dict) and ref.get("secret"):
                name = last_segment(ref["secret"])
                for item in ref.get("items") or [{"version": "latest"}]:
                    pins.setdefault(name, set()).add(str(item.get("version") or "latest"))
    return pins


# -- reading -----------------------------------------------------------------------------------


def collect(settings: SecretManagerSettings, ctx: CollectContext) -> Collected:
    project = settings.project or ctx.project
    if project is None:
        reason = "no project: set `project` in driftwatch.yaml or on the collector"
        return blind(settings.name, settings.secrets, RESOURCE_KIND, ctx, reason)
    try:
        from google.cloud import secretmanager

        client = make_client(SECRET_MANAGER, ctx, secretmanager.SecretManagerServiceClient)
    except GcpFailure as failure:
        return blind(settings.name, settings.secrets, RESOURCE_KIND, ctx, failure.reason)
    caller = ApiCaller(SECRET_MANAGER, ctx, settings.name, project)
    reader = _SecretReader(client, caller, project, ctx, settings)
    with thread_pool(ctx.concurrency, "secrets") as pool:
        reads: dict[str, Future[Resource | NotChecked]] = {}
        try:
            for page in _secret_pages(client, caller, project, settings):  # reading starts with page one
                wanted_here = [(name, secret) for name, secret in page if _selected(name, settings, ctx)]
                ctx.progress.planned(settings.name, len(wanted_here))
                reads.update({name: pool.submit(reader.read, name, secret) for name, secret in wanted_here})
        except GcpFailure as failure:
            for future in reads.values():
                future.cancel()
            return blind(settings.name, settings.secrets, RESOURCE_KIND, ctx, failure.reason)
        base = {name: future.result() for name, future in reads.items()}
    missing = not_found(settings.name, settings.secrets, base, RESOURCE_KIND, ctx, _not_found_reason(settings))
    pins = pinned_versions(r for r in ctx.upstream() if r.kind == "cloud-run")  # waits for Cloud Run only now
    pinned = [name for name in base if pins.get(name, set()) - {"latest"} and not isinstance(base[name], NotChecked)]
    extra = dict(zip(pinned, bounded_map(lambda n: reader.pin(base[n], pins[n]), pinned, ctx.concurrency), strict=True))
    return [*(extra.get(name, item) for name, item in base.items()), *missing]


def _selected(name: str, settings: SecretManagerSettings, ctx: CollectContext) -> bool:
    return (
        wanted(name, settings.secrets)
        and not ctx.skip_resource(settings.name, name)
        and ctx.in_shard(settings.name, name)
    )


def _not_found_reason(settings: SecretManagerSettings) -> str:
    if settings.labels:
        return "not found (or lacks the labels in `labels:`): check the name"
    return "not found: check the name"


def _secret_pages(
    client: Any, caller: ApiCaller, project: str, settings: SecretManagerSettings
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    request: dict[str, Any] = {"parent": f"projects/{project}", "page_size": PAGE_SIZE}
    if text := server_filter(settings.secrets, settings.labels):
        request["filter"] = text
    for page in iter_pages(caller, READ, request, client.list_secrets, "secrets"):
        yield [(last_segment(s.name), to_json(s)) for s in page]


class _SecretReader:
    def __init__(
        self, client: Any, caller: ApiCaller, project: str, ctx: CollectContext, settings: SecretManagerSettings
    ) -> None:
        self.client = client
        self.caller = caller
        self.project = project
        self.ctx = ctx
        self.settings = settings

    def read(self, name: str, secret: dict[str, Any]) -> Resource | NotChecked:
        parent = f"projects/{self.project}/secrets/{name}"
        try:
            versions = self._all_versions(parent) if self.settings.versions == "all" else None
            latest, value = self._latest(parent, versions)
        except GcpFailure as failure:
            self.ctx.progress.failed(self.settings.name)
            return NotChecked(self.settings.name, name, RESOURCE_KIND, failure.reason, missing=failure.missing)
        self.ctx.progress.advanced(self.settings.name)
        document = build_document(secret, latest=latest, value=value, versions=versions)
        return Resource(self.settings.name, name, RESOURCE_KIND, document)

    def pin(self, resource: Resource | NotChecked, pins: set[str]) -> Resource | NotChecked:
        """Add the versions collected services pin (numbers, aliases) under `status.versions`."""
        assert isinstance(resource, Resource)
        parent = f"projects/{self.project}/secrets/{resource.resource}"
        versions = resource.document.get("versions")
        try:
            pinned = {ref: self._version(parent, ref, versions) for ref in sorted(pins - {"latest"})}
        except GcpFailure as failure:
            return NotChecked(self.settings.name, resource.resource, RESOURCE_KIND, failure.reason)
        document = {**resource.document, "status": {"versions": pinned}}
        return Resource(resource.source, resource.resource, RESOURCE_KIND, document)

    def _all_versions(self, parent: str) -> dict[str, dict[str, Any]]:
        listed = pages(
            self.caller, READ, {"parent": parent, "page_size": PAGE_SIZE}, self.client.list_secret_versions, "versions"
        )
        versions: dict[str, dict[str, Any]] = {}
        for raw in map(to_json, listed):
            number = last_segment(raw["name"])
            entry: dict[str, Any] = {"state": raw.get("state"), "create_time": raw.get("createTime")}
            if raw.get("state") == "ENABLED":
                entry["fingerprint"] = self._access(f"{parent}/versions/{number}")[1]
            versions[number] = entry
        return versions

    def _latest(
        self, parent: str, versions: dict[str, dict[str, Any]] | None
    ) -> tuple[dict[str, Any] | None, str | None]:
        if versions is not None:  # the list already tells the newest version and its state
            if not versions:
                return None, None
            newest = max(versions, key=int)
            entry = versions[newest]
            return {"version": int(newest), "state": entry["state"]}, entry.get("fingerprint")
        try:
            number, value = self._access(f"{parent}/versions/latest")
        except GcpFailure as failure:
            if failure.missing:
                return None, None  # a secret without versions
            if not failure.precondition:
                raise
            meta = self._get_version(f"{parent}/versions/latest")
            return {"version": meta["version"], "state": meta["state"]}, None
        return {"version": number, "state": "ENABLED"}, value

    def _version(self, parent: str, ref: str, versions: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
        """A pinned version (number or alias): its number, state and, when readable, fingerprint."""
        if versions is not None and ref in versions:
            return {"version": int(ref), **versions[ref]}
        try:
            number, value = self._access(f"{parent}/versions/{ref}")
        except GcpFailure as failure:
            if failure.missing:
                return {"state": "NOT_FOUND"}
            if not failure.precondition:
                raise
            return self._get_version(f"{parent}/versions/{ref}")
        return {"version": number, "state": "ENABLED", "fingerprint": value}

    def _access(self, name: str) -> tuple[int, str]:
        """(version number, fingerprint): the plaintext never leaves this function."""
        fingerprint = self.ctx.fingerprint

        def access(timeout: float) -> tuple[int, str]:
            response = self.client.access_secret_version(name=name, timeout=timeout, retry=None)
            payload = response.payload
            if "data_crc32c" in payload and _crc32c(payload.data) != payload.data_crc32c:
                raise GcpFailure("payload corrupted in transit (CRC32C mismatch)")
            return int(last_segment(response.name)), fingerprint(payload.data)

        return self.caller.call(ACCESS, access)

    def _get_version(self, name: str) -> dict[str, Any]:
        raw = to_json(
            self.caller.call(
                READ, lambda timeout: self.client.get_secret_version(name=name, timeout=timeout, retry=None)
            )
        )
        return {
            "version": int(last_segment(raw["name"])),
            "state": raw.get("state", "STATE_UNSPECIFIED"),
            "create_time": raw.get("createTime"),
        }


def _crc32c(data: bytes) -> int:
    import google_crc32c

    return int(google_crc32c.value(data))


COLLECTOR = CollectorSpec(
    "secret-manager", RESOURCE_KIND, SecretManagerSettings, collect, reads_upstream=("cloud-run",)
)
