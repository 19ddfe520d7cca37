"""A loopback HTTP server speaking the Secret Manager v1 and Cloud Run Admin v2 REST subset.

It answers the official clients exactly as far as driftwatch reads: list with `pageSize` and
`pageToken`, get, version list, `:access` by number, `latest` or alias, Google's JSON error
shape and the status codes the REST transport turns into exceptions. Knobs for latency and
fault injection serve tests and benchmarks; every request lands in a log they can inspect.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

import google_crc32c

from driftwatch.emulator.faults import Fault, FaultScript
from driftwatch.emulator.filtering import FilterError, compile_filter, labels_of
from driftwatch.emulator.state import EmulatorState, Secret, SecretVersion
from driftwatch.errors import CollectError

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    status: int
    started: float  # time.monotonic()
    ended: float
    injected: bool  # a fault from the knobs, not an answer about the state


@dataclass
class Knobs:
    """Behaviour tests and benchmarks tune while the server runs."""

    latency_s: float = 0.0
    fault_rate: float = 0.0
    fault_statuses: tuple[int, ...] = (429, 503)
    max_page_size: int = MAX_PAGE_SIZE  # the server may return fewer than asked, as Google's may
    seed: int = 0
    rng: random.Random = field(default_factory=random.Random)
    faults: FaultScript = field(default_factory=FaultScript)  # scripted, aimed at chosen requests

    def __post_init__(self) -> None:
        self.rng.seed(self.seed)


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


Route = tuple[re.Pattern[str], Callable[..., Any]]


class EmulatorServer:
    """Owns the state and answers requests; the HTTP plumbing is in `_Handler`."""

    def __init__(self, state: EmulatorState, knobs: Knobs) -> None:
        self.state = state
        self.knobs = knobs
        self.requests: list[RequestRecord] = []
        self.on_request: Callable[[RequestRecord], None] | None = None
        self._lock = threading.Lock()
        self._routes: list[Route] = [
            (re.compile(r"^/v1/projects/([^/]+)/secrets$"), self.list_secrets),
            (re.compile(r"^/v1/projects/([^/]+)/secrets/([^/:]+)$"), self.get_secret),
            (re.compile(r"^/v1/projects/([^/]+)/secrets/([^/:]+)/versions$"), self.list_versions),
            (re.compile(r"^/v1/projects/([^/]+)/secrets/([^/:]+)/versions/([^/:]+)$"), self.get_version),
            (re.compile(r"^/v1/projects/([^/]+)/secrets/([^/:]+)/versions/([^/:]+):access$"), self.access_version),
            (re.compile(r"^/v2/projects/([^/]+)/locations/([^/]+)/services$"), self.list_services),
            (re.compile(r"^/v2/projects/([^/]+)/locations/([^/]+)/services/([^/:]+)$"), self.get_service),
            (re.compile(r"^/v3/projects:search$"), self.search_projects),
        ]

    # -- dispatch --------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], scripted: Fault | None = None
    ) -> tuple[int, dict[str, Any], bool]:
        """(status, JSON body, injected fault?) for one request; transport faults are the handler's."""
        if self.knobs.latency_s:
            time.sleep(self.knobs.latency_s)
        fault = self._injected_fault()
        if fault is not None:
            return fault.code, fault.body(), True
        if scripted is not None and scripted.kind == "status":
            return scripted.status, ApiError(scripted.status, "injected fault").body(), True
        if scripted is not None and scripted.kind == "slow":
            time.sleep(scripted.seconds)
        try:
            if method != "GET":
                raise ApiError(405, f"method {method} is not emulated", "UNIMPLEMENTED")
            for pattern, handler in self._routes:
                match = pattern.match(path)
                if match:
                    with self._lock:
                        return 200, handler(*match.groups(), query=query), False
            raise ApiError(404, f"no emulated API at {path}", "NOT_FOUND")
        except ApiError as error:
            return error.code, error.body(), False

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)
        if self.on_request is not None:
            self.on_request(record)

    def _injected_fault(self) -> ApiError | None:
        knobs = self.knobs
        if knobs.fault_rate <= 0:
            return None
        with self._lock:
            hit = knobs.rng.random() < knobs.fault_rate
            code = knobs.rng.choice(knobs.fault_statuses) if hit else 0
        if not hit:
            return None
        return ApiError(code, "injected fault: try again later")

    # -- Secret Manager v1 ------------------------------------------------------------------

    def list_secrets(self, project: str, *, query: dict[str, list[str]]) -> dict[str, Any]:
        self._deny(f"projects/{project}")
        try:
            keep = compile_filter(_one(query, "filter") or "")
        except FilterError as exc:
            raise ApiError(400, f"Invalid filter: {exc}") from None
        secrets = [
            s
            for (p, _), s in sorted(self.state.secrets.items())
            if p == project and keep(s.name, labels_of(s.metadata))
        ]
        page, token = self._page(secrets, query, f"secrets:{project}")
        body: dict[str, Any] = {"secrets": [self._secret_json(s) for s in page], "totalSize": len(secrets)}
        if token:
            body["nextPageToken"] = token
        return body

    def get_secret(self, project: str, secret_id: str, *, query: dict[str, list[str]]) -> dict[str, Any]:
        return self._secret_json(self._secret(project, secret_id))

    def list_versions(self, project: str, secret_id: str, *, query: dict[str, list[str]]) -> dict[str, Any]:
        secret = self._secret(project, secret_id)
        newest_first = [secret.versions[n] for n in sorted(secret.versions, reverse=True)]
        page, token = self._page(newest_first, query, f"versions:{secret.full_name}")
        body: dict[str, Any] = {"versions": [_version_json(secret, v) for v in page], "totalSize": len(newest_first)}
        if token:
            body["nextPageToken"] = token
        return body

    def get_version(self, project: str, secret_id: str, version: str, *, query: dict[str, list[str]]) -> dict[str, Any]:
        secret = self._secret(project, secret_id)
        return _version_json(secret, self._version(secret, version))

    def access_version(
        self, project: str, secret_id: str, version: str, *, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        secret = self._secret(project, secret_id)
        resolved = self._version(secret, version)
        name = f"{secret.full_name}/versions/{resolved.number}"
        if resolved.state != "ENABLED":
            raise ApiError(400, f"{name} is in {resolved.state} state.", "FAILED_PRECONDITION")
        data = resolved.data or b""
        return {
            "name": name,
            "payload": {
                "data": base64.b64encode(data).decode("ascii"),
                "dataCrc32c": str(google_crc32c.value(data)),
            },
        }

    def _secret(self, project: str, secret_id: str) -> Secret:
        full_name = f"projects/{project}/secrets/{secret_id}"
        self._deny(full_name)
        secret = self.state.secrets.get((project, secret_id))
        if secret is None:
            raise ApiError(404, f"Secret [{full_name}] not found.")
        return secret

    def _version(self, secret: Secret, version: str) -> SecretVersion:
        """`latest` is the newest version whatever its state, as Google resolves it."""
        if version == "latest":
            number = max(secret.versions, default=None)
        elif version.isdigit():
            number = int(version)
        else:
            aliases = secret.metadata.get("versionAliases") or {}
            number = int(aliases[version]) if version in aliases else None
        found = secret.versions.get(number) if number is not None else None
        if found is None:
            raise ApiError(404, f"Secret Version [{secret.full_name}/versions/{version}] not found.")
        return found

    def _secret_json(self, secret: Secret) -> dict[str, Any]:
        return {"name": secret.full_name, **secret.metadata}

    # -- Cloud Run Admin v2 -----------------------------------------------------------------

    def list_services(self, project: str, location: str, *, query: dict[str, list[str]]) -> dict[str, Any]:
        parent = f"projects/{project}/locations/{location}"
        self._deny(parent)
        services = [s for name, s in sorted(self.state.services.items()) if name.startswith(parent + "/services/")]
        page, token = self._page(services, query, f"services:{parent}")
        body: dict[str, Any] = {"services": page}
        if token:
            body["nextPageToken"] = token
        return body

    def get_service(self, project: str, location: str, service_id: str, *, query: dict[str, list[str]]) -> Any:
        full_name = f"projects/{project}/locations/{location}/services/{service_id}"
        self._deny(full_name)
        service = self.state.services.get(full_name)
        if service is None:
            raise ApiError(404, f"Resource '{service_id}' of kind 'SERVICE' in region '{location}' does not exist.")
        return service

    # -- Resource Manager v3 ---------------------------------------------------------------

    def search_projects(self, *, query: dict[str, list[str]]) -> dict[str, Any]:
        """The projects the caller may get (a denied one is simply not there), optionally
        narrowed by a `state:STATE` term, the only query term emulated."""
        self._deny("projects:search")
        terms = dict(term.split(":", 1) for term in (_one(query, "query") or "").split() if ":" in term)
        wanted = terms.get("state", "").upper() or None
        projects = [
            {"name": f"projects/{_project_number(project_id)}", "projectId": project_id, "state": state}
            for project_id, state in sorted(self.state.project_states().items())
            if (wanted is None or state == wanted) and not self.state.is_denied(f"projects/{project_id}")
        ]
        page, token = self._page(projects, query, "projects:search")
        body: dict[str, Any] = {"projects": page}
        if token:
            body["nextPageToken"] = token
        return body

    # -- shared ------------------------------------------------------------------------------

    def _deny(self, full_name: str) -> None:
        if self.state.is_denied(full_name):
            raise ApiError(403, f"Permission denied on resource '{full_name}' (or it may not exist).")

    def _page(self, items: list[Any], query: dict[str, list[str]], scope: str) -> tuple[list[Any], str | None]:
        """One page and the token of the next; a token only works for the listing that made it."""
        size = int(_one(query, "pageSize") or DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE
        size = max(1, min(size, self.knobs.max_page_size))
        start = 0
        token = _one(query, "pageToken")
        if token:
            try:
                token_scope, offset = base64.urlsafe_b64decode(token.encode()).decode().rsplit("|", 1)
                start = int(offset)
            except ValueError:
                raise ApiError(400, "Invalid page token.") from None
            if token_scope != scope or start < 0:
                raise ApiError(400, "Invalid page token.")
        end = start + size
        following = base64.urlsafe_b64encode(f"{scope}|{end}".encode()).decode() if end < len(items) else None
        return items[start:end], following


def _project_number(project_id: str) -> int:
    return int(hashlib.sha256(project_id.encode()).hexdigest()[:10], 16)


def _version_json(secret: Secret, version: SecretVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"{secret.full_name}/versions/{version.number}",
        "state": version.state,
        "createTime": version.create_time,
        "etag": f'"{version.number}"',
    }
    if version.destroy_time:
        body["destroyTime"] = version.destroy_time
    return body


def _one(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key) or query.get(_snake(key))
    return values[-1] if values else None


def _snake(key: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), key)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clients' connection pools expect
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        started = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        emulator = self.server.emulator
        scripted = emulator.knobs.faults.take(url.path, query)
        if scripted is not None and scripted.kind == "reset":
            emulator.record(RequestRecord(method, url.path, query, 0, started, time.monotonic(), True))
            self._reset()
            return
        status, body, injected = emulator.handle(method, url.path, query, scripted)
        payload = json.dumps(body).encode()
        declared = len(payload)
        if scripted is not None and scripted.kind == "malformed":
            payload = b'{"name": "projects/' + b"x" * 8  # a 200 whose JSON stops mid-string
            declared = len(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        injected = injected or scripted is not None
        if scripted is not None and scripted.kind == "truncate":
            self.wfile.write(payload[: declared // 2])
            self.wfile.flush()
            self.close_connection = True
        elif scripted is not None and scripted.kind == "trickle":
            self._trickle(payload, scripted.seconds)
        else:
            self.wfile.write(payload)
        emulator.record(RequestRecord(method, url.path, query, status, started, time.monotonic(), injected))

    def _reset(self) -> None:
        """Close with RST (SO_LINGER 0) before any byte of an answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _trickle(self, payload: bytes, gap_s: float) -> None:
        """A slow loris: one byte per `gap_s`, so no single read ever times out."""
        try:
            for index in range(len(payload)):
                self.wfile.write(payload[index : index + 1])
                self.wfile.flush()
                time.sleep(gap_s)
        except OSError:
            self.close_connection = True  # the client gave up: that is the point

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is data (`Emulator.requests`), not stderr noise."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    emulator: EmulatorServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timeout, a reset it provoked) is normal here: no traceback."""
        import sys

        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def require_loopback(host: str) -> None:
    """The emulator serves secret payloads to anyone who asks: never beyond this machine."""
    import ipaddress

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise CollectError(
            f"the emulator binds to a loopback IP only, not {host}", hint="use 127.0.0.1 (it serves secret payloads)"
        )


# What the emulator serves, in the `*_EMULATOR_HOST` convention (CONTRACT section 6).
EMULATOR_VARIABLES = ("SECRET_MANAGER_EMULATOR_HOST", "CLOUD_RUN_EMULATOR_HOST", "RESOURCE_MANAGER_EMULATOR_HOST")


def read_exports(stream: TextIO) -> dict[str, str]:
    """What `driftwatch emulator` prints first, one `export NAME=HOST:PORT` line per variable:
    for scripts (benchmarks, tests) that start it as a process and point driftwatch at it."""
    exports: dict[str, str] = {}
    for _ in EMULATOR_VARIABLES:
        name, _, value = stream.readline().strip().removeprefix("export ").partition("=")
        exports[name] = value
    return exports


class Emulator:
    """The emulator on a loopback port (0 = a free one), in a background thread.

    Use as a context manager; `host` is the `HOST:PORT` for `*_EMULATOR_HOST`.
    """

    def __init__(self, state: EmulatorState, *, host: str = "127.0.0.1", port: int = 0, **knobs: Any) -> None:
        require_loopback(host)
        self.state = state
        self.knobs = Knobs(**knobs)
        self.server = EmulatorServer(state, self.knobs)
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.emulator = self.server
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        address, port = self._httpd.server_address[:2]
        return f"{address if isinstance(address, str) else address.decode()}:{port}"

    @property
    def requests(self) -> list[RequestRecord]:
        return list(self.server.requests)

    def env(self) -> dict[str, str]:
        """The environment that points the official clients here (CONTRACT section 6)."""
        return {name: self.host for name in EMULATOR_VARIABLES}

    def start(self) -> Emulator:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="driftwatch-emulator", daemon=True)
        self._thread.start()
        return self

    @property
    def on_request(self) -> Callable[[RequestRecord], None] | None:
        return self.server.on_request

    @on_request.setter
    def on_request(self, callback: Callable[[RequestRecord], None] | None) -> None:
        self.server.on_request = callback

    def serve_forever(self) -> None:
        """Serve in this thread (the `driftwatch emulator` command) until interrupted."""
        self._httpd.serve_forever()

    def close(self) -> None:
        self._httpd.server_close()

    def stop(self) -> None:
        self._httpd.shutdown()
        self.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
