"""The demo's staging behaviour on loopback: the endpoints the e2e suite talks to.

`drifted=True` reproduces the problem report: the auth service's E2E endpoint accepts only
the rotated key (so the tests' key gets 401), the WebSocket endpoint no longer echoes the
`jwt-auth` subprotocol, and Redis answers PING slowly. `drifted=False` is the state the demo
baselines were recorded from.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLOW_REDIS_S = 0.4


class _Auth(BaseHTTPRequestHandler):
    server: _AuthServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            key = json.loads(self.rfile.read(length) or b"{}").get("simulation_key")
        except ValueError:
            key = None
        ok = self.path == "/auth/e2e/test-auth" and key in self.server.accepted
        body = json.dumps({"status": "ok"} if ok else {"detail": "Invalid E2E bypass key"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _AuthServer(ThreadingHTTPServer):
    daemon_threads = True
    accepted: frozenset[str]


class _Redis(socketserver.BaseRequestHandler):
    server: _RedisServer

    def handle(self) -> None:
        data = self.request.recv(64)
        if data.strip().upper() == b"PING":
            time.sleep(self.server.delay_s)
            self.request.sendall(b"+PONG\r\n")


class _RedisServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    delay_s: float


class StagingBehaviour:
    """Auth, WebSocket and Redis endpoints on free loopback ports, in background threads."""

    def __init__(self, *, accepted_keys: list[str], drifted: bool = True) -> None:
        from websockets.sync.server import serve

        self.auth = _AuthServer(("127.0.0.1", 0), _Auth)
        self.auth.accepted = frozenset(accepted_keys)
        self.redis = _RedisServer(("127.0.0.1", 0), _Redis)
        self.redis.delay_s = SLOW_REDIS_S if drifted else 0.0
        subprotocols = None if drifted else ["jwt-auth"]  # drifted: the proxy drops the echo
        self.websocket = serve(_echo, "127.0.0.1", 0, subprotocols=subprotocols)  # type: ignore[arg-type]
        self._threads = [
            threading.Thread(target=server.serve_forever, daemon=True)
            for server in (self.auth, self.redis, self.websocket)
        ]

    def environ(self) -> dict[str, str]:
        """Where the demo's probes (`${DEMO_...}` in driftwatch.yaml) find these endpoints."""
        ws_port = _port(self.websocket.socket)
        return {
            "DEMO_AUTH_URL": f"http://127.0.0.1:{self.auth.server_address[1]}",
            "DEMO_WS_URL": f"ws://127.0.0.1:{ws_port}",
            "DEMO_REDIS": f"127.0.0.1:{self.redis.server_address[1]}",
        }

    def __enter__(self) -> StagingBehaviour:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in (self.auth, self.redis, self.websocket):
            server.shutdown()
        self.auth.server_close()
        self.redis.server_close()


def _echo(connection: Any) -> None:
    for message in connection:
        connection.send(message)


def _port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])
