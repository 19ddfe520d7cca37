"""The emulated cloud: secrets with versions and payloads, Cloud Run services, denied resources.

Loaded from a YAML file in the REST shapes Google returns (camelCase), so a user's own state
file reads like `gcloud ... --format=json` output. Payloads live only here, in the emulator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from driftwatch.errors import InputFileError
from driftwatch.fsutil import read_text_capped

MAX_STATE_BYTES = 64 * 1024 * 1024
VERSION_STATES = ("ENABLED", "DISABLED", "DESTROYED")


@dataclass
class SecretVersion:
    number: int
    state: str
    create_time: str
    data: bytes | None = None
    destroy_time: str | None = None


@dataclass
class Secret:
    project: str
    name: str
    metadata: dict[str, Any]  # REST fields of the Secret, without name and versions
    versions: dict[int, SecretVersion] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"projects/{self.project}/secrets/{self.name}"


@dataclass
class EmulatorState:
    """Everything the emulator serves. Mutable on purpose: tests change it between runs."""

    project: str
    region: str
    secrets: dict[tuple[str, str], Secret] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # full name -> REST Service
    deny: set[str] = field(default_factory=set)  # `secrets/NAME`, `services/NAME` or full names
    projects: dict[str, str] = field(default_factory=dict)  # project ID -> state; empty: those in use, ACTIVE

    def project_states(self) -> dict[str, str]:
        """What Resource Manager's search sees: the declared projects, else every one in use."""
        if self.projects:
            return dict(self.projects)
        used = {self.project, *(project for project, _ in self.secrets)}
        used |= {name.split("/")[1] for name in self.services if name.startswith("projects/")}
        return dict.fromkeys(sorted(used), "ACTIVE")

    def add_secret(self, secret: Secret) -> None:
        self.secrets[(secret.project, secret.name)] = secret

    def add_service(self, service: dict[str, Any]) -> None:
        self.services[str(service["name"])] = service

    def is_denied(self, full_name: str) -> bool:
        """A deny entry matches a resource's full name, or `KIND/NAME` for its short form."""
        parts = full_name.split("/")
        short = f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 else full_name
        return any(entry in (full_name, short) for entry in self.deny)


def load_state(path: Path) -> EmulatorState:
    text = read_text_capped(path, MAX_STATE_BYTES, InputFileError)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise InputFileError(f"{path}{where}: not valid YAML", hint="fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: expected a mapping with project, secrets and services")
    try:
        return state_from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputFileError(
            f"{path}: malformed emulator state ({type(exc).__name__}: {exc})",
            hint="each secret needs `name` and versions with `version` and `state`; each service a full `name`",
        ) from None


def state_from_dict(data: dict[str, Any]) -> EmulatorState:
    state = EmulatorState(
        project=str(data.get("project", "demo-project")), region=str(data.get("region", "us-central1"))
    )
    for raw in data.get("secrets") or []:
        state.add_secret(_secret(raw, state.project))
    for raw in data.get("services") or []:
        state.add_service(_service(raw, state.project, state.region))
    state.deny = {str(entry) for entry in data.get("deny") or []}
    for entry in data.get("projects") or []:  # `id` or {projectId, state}
        raw = entry if isinstance(entry, dict) else {"projectId": entry}
        state.projects[str(raw["projectId"])] = str(raw.get("state", "ACTIVE"))
    return state


def _secret(raw: dict[str, Any], default_project: str) -> Secret:
    project = str(raw.get("project", default_project))
    name = str(raw["name"]).rsplit("/", 1)[-1]
    metadata = {k: v for k, v in raw.items() if k not in ("name", "project", "versions")}
    metadata.setdefault("createTime", _now())
    metadata.setdefault("replication", {"automatic": {}})
    secret = Secret(project, name, metadata)
    for version in raw.get("versions") or []:
        state = str(version.get("state", "ENABLED"))
        if state not in VERSION_STATES:
            raise ValueError(f"secret {name}: version state {state!r} is not one of {', '.join(VERSION_STATES)}")
        data = version.get("data")
        secret.versions[int(version["version"])] = SecretVersion(
            number=int(version["version"]),
            state=state,
            create_time=str(version.get("createTime", metadata["createTime"])),
            data=None if data is None else str(data).encode(),
            destroy_time=version.get("destroyTime"),
        )
    return secret


def _service(raw: dict[str, Any], project: str, region: str) -> dict[str, Any]:
    service = dict(raw)
    name = str(service["name"])
    if "/" not in name:
        service["name"] = f"projects/{project}/locations/{region}/services/{name}"
    return service


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
