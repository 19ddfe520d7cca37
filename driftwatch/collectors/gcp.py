"""What the Google collectors share: transport and auth, retries, rate limits, failure reasons.

Imported only by the Google collectors, and it imports the Google libraries only inside
functions, so `driftwatch --help` and `report` never load them.

Over REST the official clients raise the HTTP-status exceptions (`Forbidden`, `BadRequest`,
`TooManyRequests`), not the gRPC-named ones, and their default retry does not cover a 429.
So every call goes through `ApiCaller.call`: our own retry with exponential backoff and full
jitter, a per-API client-side rate limit taken on every attempt (retries spend quota too),
and a per-attempt deadline. Failures become a `GcpFailure` with a reason a person can act on.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from driftwatch.address import is_glob
from driftwatch.collectors.base import CollectContext, Collected, RetryPolicy
from driftwatch.model import NotChecked

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Api:
    key: str  # rate-limit bucket prefix, e.g. "secretmanager"
    title: str
    emulator_env: str  # *_EMULATOR_HOST (CONTRACT section 6)
    viewer_role: str


SECRET_MANAGER = Api(
    "secretmanager",
    "Secret Manager",
    "SECRET_MANAGER_EMULATOR_HOST",
    "roles/secretmanager.viewer and roles/secretmanager.secretAccessor",
)
CLOUD_RUN = Api("run", "Cloud Run", "CLOUD_RUN_EMULATOR_HOST", "roles/run.viewer")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
PAGE_SIZE = 250  # per list call; the server may return fewer, and the token carries on


class GcpFailure(Exception):
    """A call that could not be completed; `reason` is safe to show (no payloads, no values)."""

    def __init__(self, reason: str, *, status: int | None = None, api_status: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.api_status = api_status  # FAILED_PRECONDITION, NOT_FOUND... from Google's error body

    @property
    def missing(self) -> bool:
        return self.status == 404

    @property
    def precondition(self) -> bool:
        return self.api_status == "FAILED_PRECONDITION"


DEFAULT_BURST = 20


class RateLimiter:
    """A token bucket: `per_minute` requests on average, at most `burst` at once."""

    def __init__(
        self,
        per_minute: int,
        burst: int = DEFAULT_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(max(1, min(burst, per_minute)))
        self.tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Reserve one request slot and sleep until it comes; returns the time waited.

        Reserving first (the balance may go negative) keeps waiters in order and needs one
        sleep each, with no polling.
        """
        with self._lock:
            now = self._clock()
            self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self.tokens -= 1
            wait = 0.0 if self.tokens >= 0 else -self.tokens / self.rate
        if wait:
            self._sleep(wait)
        return wait


_LIMITERS: dict[tuple[str, str, int, int], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(bucket: str, project: str, per_minute: int, burst: int = DEFAULT_BURST) -> RateLimiter:
    """One bucket per API quota and project for the whole process, as Google counts them."""
    key = (bucket, project, per_minute, burst)
    with _LIMITERS_LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(per_minute, burst)
        return _LIMITERS[key]


class ApiCaller:
    """Makes one collector's API calls (from many threads): retries, rate limit, progress, log."""

    def __init__(self, api: Api, ctx: CollectContext, source: str, project: str) -> None:
        self.api = api
        self.ctx = ctx
        self.source = source
        self.project = project
        self.policy: RetryPolicy = ctx.retries
        self._rng = random.Random()

    def call(self, quota: str, fn: Callable[[float], T]) -> T:
        """`fn(timeout)` with retries on 429/5xx/connection errors; raises GcpFailure."""
        per_minute = self.ctx.rate_limits.get(quota, 600)
        limiter = limiter_for(quota, self.project, per_minute, self.ctx.rate_limits.get("burst", DEFAULT_BURST))
        started = time.monotonic()
        attempt = 0
        while True:
            limiter.acquire()
            self.ctx.requests.add(quota)
            try:
                return within(self.policy.timeout_s, fn)
            except Exception as exc:  # classified below; nothing escapes unclassified
                failure = classify(exc, self.api, self.ctx)
                attempt += 1
                retryable = failure.status in RETRYABLE_STATUS or failure.status is None
                out_of_time = time.monotonic() - started > self.policy.deadline_s
                if not retryable or attempt >= self.policy.attempts or out_of_time:
                    log.info("%s: %s call failed: %s", self.source, quota, failure.reason)
                    if retryable:
                        raise GcpFailure(
                            f"{failure.reason} (gave up after {attempt} attempts)",
                            status=failure.status,
                            api_status=failure.api_status,
                        ) from None
                    raise failure from None
                self.ctx.progress.retried(self.source)
                log.info("%s: retrying %s call (attempt %d): %s", self.source, quota, attempt + 1, failure.reason)
                time.sleep(self.policy.backoff(attempt, self._rng))


class AttemptTimeout(Exception):
    """An attempt outlived its deadline while bytes still trickled in (each read was in time)."""


def within(seconds: float, fn: Callable[[float], T]) -> T:
    """`fn(seconds)` with a wall-clock deadline for the whole attempt.

    The clients' timeout bounds each socket read, so a server that sends one byte a second
    (a slow loris, a stuck proxy) would hold a call for as long as it likes. The attempt runs
    on a daemon thread and is abandoned at the deadline; the thread ends with its connection.
    """
    outcome: list[Any] = []
    done = threading.Lock()
    done.acquire()

    def attempt() -> None:
        try:
            outcome.append((True, fn(seconds)))
        except BaseException as exc:  # handed to the caller's thread as is
            outcome.append((False, exc))
        finally:
            done.release()

    _ATTEMPT_THREADS.run(attempt)
    if not done.acquire(timeout=seconds + ATTEMPT_GRACE_S):
        raise AttemptTimeout()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


class _DaemonThreads:
    """Daemon threads kept for the next attempt. Starting a thread per call waits for it to be
    scheduled: 0.15 ms of CPU and more of wall time a call, when at concurrency 32 the client is
    CPU-bound under the GIL. A thread held by an abandoned attempt stays busy until its
    connection ends; the others take the next attempts."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def run(self, job: Callable[[], None]) -> None:
        with self._lock:
            start = self._idle == 0
            self._idle = max(0, self._idle - 1)
        self._jobs.put(job)
        if start:
            threading.Thread(target=self._serve, daemon=True, name="gcp-attempt").start()

    def _serve(self) -> None:
        while True:
            self._jobs.get()()
            with self._lock:
                self._idle += 1


_ATTEMPT_THREADS = _DaemonThreads()


ATTEMPT_GRACE_S = 0.5  # beyond the per-read timeout, so a plain read timeout is reported as such first


def classify(exc: BaseException, api: Api, ctx: CollectContext) -> GcpFailure:
    """An exception from the client -> a reason a person can act on. Never echoes payloads."""
    from google.api_core import exceptions as gexc

    if isinstance(exc, GcpFailure):
        return exc
    if isinstance(exc, AttemptTimeout):
        return GcpFailure(f"{api.title} did not answer in time (the answer trickled past the deadline)", status=None)
    if isinstance(exc, gexc.GoogleAPICallError):
        status = int(exc.code) if isinstance(exc.code, int) else None
        api_status = _api_status(exc)
        return GcpFailure(_reason_for(status, api_status, api), status=status, api_status=api_status)
    import requests

    if isinstance(exc, requests.exceptions.Timeout):
        return GcpFailure(f"{api.title} did not answer in time (deadline exceeded)", status=None)
    if isinstance(exc, requests.exceptions.ConnectionError):
        where = emulator_host(api, ctx) or "the Google API endpoint"
        return GcpFailure(f"{api.title} unreachable at {where}", status=None)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return GcpFailure(f"{api.title} answer was cut short (connection dropped mid-body)", status=None)
    if _is_malformed_answer(exc):
        return GcpFailure(f"{api.title} sent a malformed answer (not the JSON the API defines)", status=None)
    return GcpFailure(f"{api.title} call failed: {type(exc).__name__}", status=0)


def _is_malformed_answer(exc: BaseException) -> bool:
    """The body did not parse: a proxy or a dropped connection mangled it, so a retry may do."""
    import json

    from google.protobuf.json_format import ParseError

    return isinstance(exc, json.JSONDecodeError | ParseError)


def _api_status(exc: Any) -> str | None:
    response = getattr(exc, "response", None)
    try:
        body = response.json() if response is not None else None
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("status")) if isinstance(error, dict) and error.get("status") else None


def _reason_for(status: int | None, api_status: str | None, api: Api) -> str:
    if status == 404:
        return "not found: check the name"
    if status == 403:
        return f"permission denied: grant {api.viewer_role} (or check the project and name)"
    if status == 401:
        return "not authenticated: run `gcloud auth application-default login`"
    if status == 429:
        return f"{api.title} quota exhausted (429 RESOURCE_EXHAUSTED): lower `rate_limits` or `concurrency`"
    if status is not None and status >= 500:
        return f"{api.title} unavailable ({status} {api_status or ''})".replace(" )", ")")
    return f"{api.title} refused the request ({status} {api_status or ''})".replace(" )", ")")


def emulator_host(api: Api, ctx: CollectContext) -> str | None:
    hosts = ctx.emulator_hosts if ctx.emulator_hosts is not None else os.environ
    return hosts.get(api.emulator_env) or None


def make_client(api: Api, ctx: CollectContext, factory: Callable[..., T]) -> T:
    """The official client over REST: the emulator with anonymous credentials, else ADC.

    REST in both cases, so errors and retries behave the same against the emulator and Google.
    """
    from google.api_core.client_options import ClientOptions
    from google.auth import exceptions as auth_exceptions

    _silence_payload_logging()
    host = emulator_host(api, ctx)
    kwargs: dict[str, Any] = {"transport": "rest"}
    if host:
        from google.auth.credentials import AnonymousCredentials

        kwargs["client_options"] = ClientOptions(api_endpoint=f"http://{host}")
        kwargs["credentials"] = AnonymousCredentials()  # type: ignore[no-untyped-call]
    try:
        client = factory(**kwargs)
    except auth_exceptions.DefaultCredentialsError:
        raise GcpFailure(
            f"no Google credentials: run `gcloud auth application-default login`, or set {api.emulator_env} "
            "to use an emulator"
        ) from None
    _widen_connection_pool(client, ctx.concurrency)
    _read_proxy_environment_once(client)
    return client


def _widen_connection_pool(client: Any, size: int) -> None:
    """requests keeps 10 connections per host; more threads would churn sockets and log warnings."""
    session = getattr(getattr(client, "transport", None), "_session", None)
    if session is None:
        return
    from requests.adapters import HTTPAdapter

    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(10, size))
    session.mount("http://", adapter)
    session.mount("https://", adapter)


def _read_proxy_environment_once(client: Any) -> None:
    """Resolve proxies and the CA bundle from the environment once, for the client's one host.

    requests re-reads them on every call (scanning all of os.environ twice): a quarter of the
    CPU a call costs, and at concurrency 32 the client is CPU-bound. The same settings apply:
    `*_PROXY` / `NO_PROXY` for this host, `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE`; only
    `~/.netrc` is no longer consulted, and Google and the emulator take no credentials from it.
    """
    transport = getattr(client, "transport", None)
    session, host = getattr(transport, "_session", None), getattr(transport, "_host", None)
    if session is None or not isinstance(host, str):
        return
    from requests.utils import get_environ_proxies

    session.proxies.update(get_environ_proxies(host))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False


def _silence_payload_logging() -> None:
    """The clients log whole responses (secret payloads included) at DEBUG: never let them.

    Setting a level on the `google` logger also makes the clients ignore
    GOOGLE_SDK_PYTHON_LOGGING_SCOPE, which would otherwise switch that logging on.
    """
    google_logger = logging.getLogger("google")
    if google_logger.level < logging.INFO:  # NOTSET (0) included
        google_logger.setLevel(logging.INFO)


def wanted(name: str, patterns: Sequence[str] | None) -> bool:
    from fnmatch import fnmatchcase

    return patterns is None or any(fnmatchcase(name, p) for p in patterns)


def last_segment(resource_name: object) -> str:
    """`projects/p/secrets/NAME` -> `NAME`; `.../versions/3` -> `3`."""
    return str(resource_name).rsplit("/", 1)[-1]


def exact_names(patterns: Sequence[str] | None) -> list[str]:
    return [p for p in patterns or [] if not is_glob(p)]


def pages(caller: ApiCaller, quota: str, request: dict[str, Any], method: Callable[..., Any], field: str) -> list[Any]:
    """Every item of a paged list, one retried call per page (the pager's own would not retry)."""
    return [item for page in iter_pages(caller, quota, request, method, field) for item in page]


def iter_pages(
    caller: ApiCaller, quota: str, request: dict[str, Any], method: Callable[..., Any], field: str
) -> Iterator[list[Any]]:
    """Page by page, so work on the first page can start while the next one is fetched."""
    token = ""
    while True:
        page_request = {**request, "page_token": token} if token else request

        def one_page(timeout: float, r: dict[str, Any] = page_request) -> Any:
            return method(request=r, timeout=timeout, retry=None)

        page = caller.call(quota, one_page)
        yield list(getattr(page, field))
        token = page.next_page_token
        if not token:
            return


def to_json(message: Any) -> dict[str, Any]:
    """A client message as Google's REST JSON (camelCase, enum names, defaults omitted)."""
    from google.protobuf import json_format

    result: dict[str, Any] = json_format.MessageToDict(type(message).pb(message))
    return result


def blind(source: str, patterns: Sequence[str] | None, kind: str, ctx: CollectContext, reason: str) -> Collected:
    """Nothing could be read: every configured name (or `*`) is NOT_CHECKED with the reason."""
    targets = [n for n in patterns or ["*"] if not ctx.skip_resource(source, n)]
    for _ in targets:
        ctx.progress.failed(source)
    return [NotChecked(source, name, kind, reason) for name in targets]


def not_found(
    source: str, patterns: Sequence[str] | None, found: Iterable[str], kind: str, ctx: CollectContext, reason: str
) -> list[NotChecked]:
    """Named (not globbed) resources the listing did not return: REMOVED if baselined, else NOT_CHECKED."""
    seen = set(found)
    return [
        NotChecked(source, name, kind, reason, missing=True)
        for name in exact_names(patterns)
        if name not in seen and not ctx.skip_resource(source, name)
    ]
