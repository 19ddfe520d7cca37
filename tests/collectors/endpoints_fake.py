"""Loopback endpoints a probe talks to: HTTP (JSON with a secret field, records the token it was
sent), WebSocket (echoing the jwt-auth subprotocol or not) and a slow TCP PING server."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from websockets.sync.server import serve

TOKEN = "CANARY-probe-token-4f1e"
SECRET_FIELD = "CANARY-session-secret-77aa"


class Endpoints:
    """HTTP, WebSocket (echoing jwt-auth or not), and a slow TCP PING server, all switchable."""

    def __init__(self) -> None:
        self.status = 200
        self.echo_subprotocol = True
        self.pong_delay = 0.0
        self.seen_tokens: list[str] = []
        endpoints = self

        class Http(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoints.seen_tokens.append(self.headers.get("Authorization", ""))
                body = json.dumps({"status": "ok", "version": "1", "session_secret": SECRET_FIELD}).encode()
                self.send_response(endpoints.status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Served-By", "api")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Pong(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                if self.request.recv(64).strip() == b"PING":
                    time.sleep(endpoints.pong_delay)
                    self.request.sendall(b"+PONG\r\n")

        def select(connection: Any, offered: Any) -> Any:
            return "jwt-auth" if endpoints.echo_subprotocol and "jwt-auth" in offered else None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Http)
        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Pong)
        self.tcp.daemon_threads = True
        self.ws = serve(lambda c: [c.send(m) for m in c], "127.0.0.1", 0, select_subprotocol=select)
        for server in (self.http, self.tcp, self.ws):
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def env(self) -> dict[str, str]:
        return {
            "API": f"http://127.0.0.1:{self.http.server_address[1]}",
            "WS": f"ws://127.0.0.1:{self.ws.socket.getsockname()[1]}",
            "REDIS": f"127.0.0.1:{self.tcp.server_address[1]}",
            "PROBE_TOKEN": TOKEN,
        }

    def close(self) -> None:
        for server in (self.http, self.tcp, self.ws):
            server.shutdown()
