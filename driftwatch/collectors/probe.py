"""`kind: probe`: behaviour, not configuration (HTTP, WebSocket, TCP).

One resource per probe, run concurrently, each within its own timeout. A probe that cannot
reach its target is a document that says so (`ok: false`, `error: refused|timeout|dns|...`),
a finding about the target rather than a crash. `${VAR}` in headers and bodies are read from
the environment at probe time, sent only to the probe's own URL, and never recorded: the
document holds what came back, with secret-looking values fingerprinted. Redirects are
followed only on the same host.
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from driftwatch.collectors.base import CollectContext, Collected, CollectorSettings, CollectorSpec, bounded_map
from driftwatch.collectors.masking import DEFAULT_SECRET_KEYS, key_is_secret, mask_credentials
from driftwatch.model import Resource

RESOURCE_KIND = "probe"
MAX_REDIRECTS = 5
MAX_RECORDED_CHARS = 200
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Probe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    http: str | None = None
    websocket: str | None = None
    tcp: str | None = Field(None, description="HOST:PORT")
    method: str = "GET"
    headers: dict[str, str] = Field(default_factory=dict, description="${VAR} values are read from the environment")
    json_body: dict[str, object] | None = Field(None, alias="json")
    subprotocols: list[str] = Field(default_factory=list)
    expect_json: list[str] = Field(default_factory=list, description="dotted JSON fields to record")
    record_headers: list[str] = Field(default_factory=list)
    send: str | None = Field(None, description="websocket/tcp: a message to send; the first reply is recorded")
    service: str | None = Field(None, description="the Cloud Run service behind it, to link config drift")
    timeout_s: float = Field(10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _one_target(self) -> Probe:
        if sum(t is not None for t in (self.http, self.websocket, self.tcp)) != 1:
            raise ValueError("a probe needs exactly one of `http`, `websocket` or `tcp`")
        tcp = self.tcp
        if tcp is not None and "${" not in tcp and not re.fullmatch(r"[^\s:]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5}", tcp):
            raise ValueError("`tcp` is HOST:PORT")
        return self

    @property
    def kind(self) -> str:
        return "http" if self.http else "websocket" if self.websocket else "tcp"

    @property
    def target(self) -> str:
        return self.http or self.websocket or self.tcp or ""


class ProbeSettings(CollectorSettings):
    kind: Literal["probe"]
    probes: list[Probe] = Field(min_length=1)

    def tags_for(self, resource: str, document: dict[str, Any]) -> frozenset[str]:
        probe = next((p for p in self.probes if p.name == resource), None)
        return frozenset({f"service:{probe.service}"} if probe and probe.service else set())


def collect(settings: ProbeSettings, ctx: CollectContext) -> Collected:
    probes = [
        p
        for p in settings.probes
        if not ctx.skip_resource(settings.name, p.name) and ctx.in_shard(settings.name, p.name)
    ]
    ctx.progress.planned(settings.name, len(probes))
    environ = ctx.environ if ctx.environ is not None else os.environ

    def run(probe: Probe) -> Resource:
        document = run_probe(probe, environ, ctx.fingerprint)
        ctx.progress.advanced(settings.name)
        return Resource(settings.name, probe.name, RESOURCE_KIND, document, origin=None)

    return bounded_map(run, probes, ctx.concurrency)


def run_probe(probe: Probe, environ: Mapping[str, str], fingerprint: Callable[[str], str]) -> dict[str, Any]:
    """The probe's document; errors become `ok: false` with a stable `error` word."""
    started = time.monotonic()
    runner = {"http": _http, "websocket": _websocket, "tcp": _tcp}[probe.kind]
    try:
        document = runner(probe, environ, fingerprint)
    except ProbeFailure as failure:
        document = {"ok": False, "error": failure.kind, **failure.extra}
    except Exception as exc:  # a probe never crashes the run; the class name carries no secret
        document = {"ok": False, "error": _classify(exc)}
    document["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
    return {"kind": probe.kind, "target": public_target(probe), **document}


class ProbeFailure(Exception):
    def __init__(self, kind: str, **extra: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.extra = extra


def _classify(exc: BaseException) -> str:
    import httpx

    if isinstance(exc, TimeoutError | socket.timeout | httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, socket.gaierror) or "Name or service not known" in str(exc):
        return "dns"
    if isinstance(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
        return "refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | EOFError) or "closed" in str(exc).lower():
        return "closed"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    return type(exc).__name__


def public_target(probe: Probe) -> str:
    """The target as configured (`${VAR}` unexpanded), without userinfo or query (credentials)."""
    if probe.tcp:
        return probe.tcp
    target = probe.target.split("#", 1)[0].split("?", 1)[0]
    parts = urlsplit(target)
    if "@" in parts.netloc:
        target = target.replace(parts.netloc, parts.netloc.rsplit("@", 1)[1], 1)
    return target


def variables(probe: Probe) -> list[str]:
    """The environment variables a probe sends (names only)."""
    texts = [*probe.headers.values(), json.dumps(probe.json_body or {}), probe.send or "", probe.target]
    return sorted({name for text in texts for name in _VAR.findall(text)})


def _expand(text: str, environ: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise ProbeFailure("missing-variable", variable=name)
        return environ[name]

    return _VAR.sub(value, text)


def _expand_json(node: Any, environ: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _expand_json(v, environ) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand_json(v, environ) for v in node]
    return _expand(node, environ) if isinstance(node, str) else node


def _safe(name: str, value: Any, fingerprint: Callable[[str], str]) -> Any:
    """A recorded value as it may appear in reports: secrets by name or shape fingerprinted."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if key_is_secret(name, DEFAULT_SECRET_KEYS) or len(text) > MAX_RECORDED_CHARS:
        return fingerprint(text)
    masked, _ = mask_credentials(text, fingerprint)
    return masked if isinstance(value, str) else value


# -- HTTP --------------------------------------------------------------------------------------


def _http(probe: Probe, environ: Mapping[str, str], fingerprint: Callable[[str], str]) -> dict[str, Any]:
    import httpx

    headers = {k: _expand(v, environ) for k, v in probe.headers.items()}
    body = _expand_json(probe.json_body, environ) if probe.json_body is not None else None
    url = _expand(probe.target, environ)
    origin = urlsplit(url).netloc
    with httpx.Client(timeout=probe.timeout_s, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            response = client.request(probe.method, url, headers=headers, json=body)
            location = response.headers.get("Location")
            if not (response.is_redirect and location):
                break
            following = urljoin(url, location)
            if urlsplit(following).netloc != origin:
                break  # never carry the probe's headers to another host
            url = following
        cert = _cert_expiry(response)
    document: dict[str, Any] = {"ok": response.status_code < 400, "status": response.status_code}
    if probe.record_headers:
        document["headers"] = {
            name.lower(): _safe(name, response.headers.get(name), fingerprint) for name in probe.record_headers
        }
    if probe.expect_json:
        document["json"] = _json_fields(response, probe.expect_json, fingerprint)
    if cert is not None:
        document["cert_expires"] = cert
    return document


def _json_fields(response: Any, paths: list[str], fingerprint: Callable[[str], str]) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {path: None for path in paths}
    fields = {}
    for path in paths:
        node = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        fields[path] = _safe(path.rsplit(".", 1)[-1], node, fingerprint)
    return fields


def _cert_expiry(response: Any) -> str | None:
    """notAfter of the server certificate for HTTPS, as a date."""
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    cert = ssl_object.getpeercert()
    not_after = cert.get("notAfter") if cert else None
    if not not_after:
        return None
    return time.strftime("%Y-%m-%d", time.gmtime(ssl.cert_time_to_seconds(str(not_after))))


# -- WebSocket ---------------------------------------------------------------------------------


def _websocket(probe: Probe, environ: Mapping[str, str], fingerprint: Callable[[str], str]) -> dict[str, Any]:
    from websockets.exceptions import InvalidHandshake, InvalidStatus
    from websockets.sync.client import connect

    headers = {k: _expand(v, environ) for k, v in probe.headers.items()}
    try:
        with connect(
            _expand(probe.target, environ),
            additional_headers=headers,
            subprotocols=probe.subprotocols or None,  # type: ignore[arg-type]
            open_timeout=probe.timeout_s,
            close_timeout=1,
            user_agent_header="driftwatch",
        ) as connection:
            document: dict[str, Any] = {"ok": True, "status": 101, "subprotocol": connection.subprotocol}
            if probe.send is not None:
                connection.send(_expand(probe.send, environ))
                try:
                    reply = connection.recv(timeout=probe.timeout_s)
                except TimeoutError:
                    reply = None
                text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
                document["first_message"] = _safe("message", text, fingerprint)
            return document
    except InvalidStatus as exc:
        return {"ok": False, "status": exc.response.status_code, "subprotocol": None, "error": "rejected"}
    except InvalidHandshake as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, EOFError | ConnectionResetError | BrokenPipeError):
            raise ProbeFailure("closed") from None  # the server hung up mid-handshake
        raise ProbeFailure("handshake", detail=type(exc).__name__) from None


# -- TCP ---------------------------------------------------------------------------------------


def _tcp(probe: Probe, environ: Mapping[str, str], fingerprint: Callable[[str], str]) -> dict[str, Any]:
    address = _expand(str(probe.tcp), environ)
    host, port = address.rsplit(":", 1)[0].strip("[]"), int(address.rsplit(":", 1)[1])
    deadline = time.monotonic() + probe.timeout_s
    with socket.create_connection((host, port), timeout=probe.timeout_s) as connection:
        document: dict[str, Any] = {"ok": True}
        if probe.send is not None:
            connection.settimeout(max(0.01, deadline - time.monotonic()))
            connection.sendall(_expand(probe.send, environ).encode())
            reply = connection.recv(512)
            if not reply:
                raise ProbeFailure("closed")
            document["reply"] = _safe("reply", reply.decode("utf-8", "replace").strip(), fingerprint)
        return document


COLLECTOR = CollectorSpec("probe", RESOURCE_KIND, ProbeSettings, collect)
