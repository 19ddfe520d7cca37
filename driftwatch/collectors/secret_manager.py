"""`kind: secret-manager`: secrets and versions, values only as fingerprints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from driftwatch.collectors.base import CollectContext, Collected, CollectorSettings, CollectorSpec
from driftwatch.collectors.pending import not_yet_live

RESOURCE_KIND = "secret"


class SecretManagerSettings(CollectorSettings):
    kind: Literal["secret-manager"]
    project: str | None = Field(None, description="defaults to the top-level project")
    secrets: list[str] | None = Field(None, description="names or globs; omitted = all in the project")
    labels: dict[str, str] | None = Field(None, description="only secrets with all these labels")
    versions: Literal["latest", "all"] = Field("latest", description="`all` also reads every version's state")


def build_document(
    secret: dict[str, Any],
    versions: list[dict[str, Any]],
    payloads: dict[int, bytes],
    fingerprint: Callable[[bytes], str],
    *,
    all_versions: bool,
) -> dict[str, Any]:
    """A secret's document from its REST JSON, its versions and accessed payloads.

    `latest` is what Secret Manager resolves `latest` to: the newest version whatever its
    state. `value` is the fingerprint of that version's payload when it is ENABLED. The
    payloads are hashed here and go no further.
    """
    document = {k: v for k, v in secret.items() if k not in ("versions", "name")}
    numbered = sorted(versions, key=_version_number)
    if numbered:
        newest = numbered[-1]
        number = _version_number(newest)
        document["latest"] = {"version": number, "state": newest.get("state", "STATE_UNSPECIFIED")}
        if newest.get("state") == "ENABLED" and number in payloads:
            document["value"] = fingerprint(payloads[number])
    if all_versions:
        document["versions"] = {str(_version_number(v)): _version_entry(v, payloads, fingerprint) for v in numbered}
    return document


def _version_number(version: dict[str, Any]) -> int:
    raw = version.get("version") or str(version.get("name", "")).rsplit("/", 1)[-1]
    return int(raw)


def _version_entry(
    version: dict[str, Any], payloads: dict[int, bytes], fingerprint: Callable[[bytes], str]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "state": version.get("state"),
        "create_time": version.get("createTime") or version.get("create_time"),
    }
    number = _version_number(version)
    if number in payloads:
        entry["fingerprint"] = fingerprint(payloads[number])
    return entry


def collect(settings: SecretManagerSettings, ctx: CollectContext) -> Collected:
    return not_yet_live(settings.name, settings.secrets, RESOURCE_KIND, ctx)


COLLECTOR = CollectorSpec("secret-manager", RESOURCE_KIND, SecretManagerSettings, collect)
