"""The shared Google plumbing: rate limits, failure reasons, credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftwatch.collectors.gcp import RateLimiter
from tests.conftest import config_yaml, write


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_allows_its_burst_then_paces() -> None:
    fake = FakeTime()
    limiter = RateLimiter(600, 20, clock=fake.clock, sleep=fake.sleep)
    for _ in range(20):
        assert limiter.acquire() == 0.0
    waits = [limiter.acquire() for _ in range(10)]
    assert waits == pytest.approx([0.1] * 10)  # 600 a minute: one every 0.1 s once the burst is spent
    assert fake.now == pytest.approx(1.0)


def test_rate_limiter_refills_while_idle() -> None:
    fake = FakeTime()
    limiter = RateLimiter(60, 60, clock=fake.clock, sleep=fake.sleep)
    for _ in range(60):
        limiter.acquire()
    fake.now += 5.0  # five tokens come back
    assert [limiter.acquire() for _ in range(5)] == [0.0] * 5
    assert limiter.acquire() == pytest.approx(1.0)


def test_no_credentials_is_not_checked_with_the_fix(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("SECRET_MANAGER_EMULATOR_HOST", "CLOUD_RUN_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))  # no gcloud ADC file
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # and no metadata server to ask
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: secrets, kind: secret-manager, secrets: [a]}")})
    cli("baseline", "update", cwd=tmp_path)
    run = cli("check", cwd=tmp_path)
    assert run.code == 2
    assert "no Google credentials: run `gcloud auth application-default login`" in run.out
    assert "Traceback" not in run.out + run.err


def test_unreachable_emulator_is_not_checked(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CLOUD_RUN_EMULATOR_HOST", f"127.0.0.1:{port}")
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml(
                "- {name: run, kind: cloud-run, services: [api]}",
                "retries: {attempts: 2, initial_backoff_s: 0.01, max_backoff_s: 0.01}\n",
            )
        },
    )
    cli("baseline", "update", cwd=tmp_path)
    run = cli("check", "-f", "json", cwd=tmp_path)
    assert run.code == 2
    assert f"Cloud Run unreachable at 127.0.0.1:{port} (gave up after 2 attempts)" in run.out


def test_google_client_debug_logging_is_capped(emulator) -> None:  # type: ignore[no-untyped-def]
    """The clients log whole responses (secret payloads) at DEBUG; a -vv run must not enable that."""
    import logging

    from google.cloud import secretmanager

    from driftwatch.collectors.base import CollectContext
    from driftwatch.collectors.gcp import SECRET_MANAGER, make_client
    from driftwatch.fingerprint import Fingerprinter
    from tests.conftest import gcp_state

    server = emulator(gcp_state())
    google, root = logging.getLogger("google"), logging.getLogger()
    saved = google.level, root.level
    google.setLevel(logging.NOTSET)
    root.setLevel(logging.DEBUG)  # what -vv does
    try:
        ctx = CollectContext(
            Path("."), "p", "r", Fingerprinter(b"k"), 4, lambda s, n: False, emulator_hosts=server.env()
        )
        make_client(SECRET_MANAGER, ctx, secretmanager.SecretManagerServiceClient)
        transport = "google.cloud.secretmanager_v1.services.secret_manager_service.transports.rest"
        assert not logging.getLogger(transport).isEnabledFor(logging.DEBUG)
    finally:
        google.setLevel(saved[0])
        root.setLevel(saved[1])


class _RefusingProxy:
    """A loopback HTTP proxy that records the request line and answers 503: a call that went
    through it shows in `seen` and fails; one that bypassed it does not."""

    def __init__(self) -> None:
        import http.server
        import threading

        seen: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.requestline)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.seen = seen
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_proxy_variables_still_apply_once_read_per_client(cli, tmp_path: Path, emulator, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Proxies are resolved once per client instead of on every call: HTTP_PROXY must still be
    used, and NO_PROXY must still exempt the host."""
    from tests.conftest import FAST_RETRIES, gcp_state, service

    server = emulator(gcp_state(services=[service("api")]))
    write(tmp_path, {"driftwatch.yaml": config_yaml("- {name: run, kind: cloud-run, services: [api]}", FAST_RETRIES)})
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    proxy = _RefusingProxy()
    try:
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)
        through_proxy = cli("check", cwd=tmp_path)
        assert through_proxy.code == 2  # the proxy refused every call
        assert proxy.seen and all(line.startswith(f"GET http://{server.host}/v2/") for line in proxy.seen)

        proxy.seen.clear()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        assert cli("check", cwd=tmp_path).code == 0
        assert proxy.seen == []
    finally:
        proxy.stop()
