"""A loopback HTTP server that behaves like the parts of GitHub's API `driftwatch comment` uses:
issue comments with `Link` pagination, create/update/delete, GraphQL minimizeComment, a token
check, and a secondary rate limit (403 with Retry-After) on demand. Every request is logged."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghp_CANARYtoken0123456789abcdef"


@dataclass
class Logged:
    method: str
    path: str
    status: int


@dataclass
class FakeGitHub:
    per_page_cap: int = 3
    comments: list[dict[str, Any]] = field(default_factory=list)
    log: list[Logged] = field(default_factory=list)
    rate_limit_next: int = 0  # answer this many upcoming writes with a secondary rate limit
    next_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, body: str, user: str = "someone") -> dict[str, Any]:
        self.next_id += 1
        comment = {
            "id": self.next_id,
            "node_id": f"IC_{self.next_id}",
            "body": body,
            "user": {"login": user},
            "html_url": f"https://github.example/o/r/pull/7#issuecomment-{self.next_id}",
            "minimized": False,
        }
        self.comments.append(comment)
        return comment

    @property
    def writes(self) -> list[Logged]:
        return [entry for entry in self.log if entry.method != "GET"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length) or b"null") if length else None
        url = urlsplit(self.path)
        with fake.lock:
            status, body, headers = self._answer(fake, method, url.path, parse_qs(url.query), payload)
            fake.log.append(Logged(method, url.path, status))
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answer(
        self, fake: FakeGitHub, method: str, path: str, query: dict[str, list[str]], payload: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}, {}
        if method != "GET" and fake.rate_limit_next > 0:
            fake.rate_limit_next -= 1
            return 403, {"message": "You have exceeded a secondary rate limit."}, {"Retry-After": "1"}
        listing = re.fullmatch(r"/repos/o/r/issues/7/comments", path)
        single = re.fullmatch(r"/repos/o/r/issues/comments/(\d+)", path)
        if listing and method == "GET":
            per_page = min(int(query.get("per_page", ["30"])[0]), fake.per_page_cap)
            page = int(query.get("page", ["1"])[0])
            items = fake.comments[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(fake.comments):
                base = f"http://{self.headers['Host']}{path}?per_page={per_page}"
                headers["Link"] = f'<{base}&page={page + 1}>; rel="next", <{base}&page=999>; rel="last"'
            return 200, items, headers
        if listing and method == "POST":
            return 201, fake.add(payload["body"], user="driftwatch-bot"), {}
        if single:
            comment = next((c for c in fake.comments if c["id"] == int(single.group(1))), None)
            if comment is None:
                return 404, {"message": "Not Found"}, {}
            if method == "PATCH":
                comment["body"] = payload["body"]
                return 200, comment, {}
            if method == "DELETE":
                fake.comments.remove(comment)
                return 204, None, {}
        if path == "/graphql" and method == "POST":
            node = payload["variables"]["id"]
            comment = next((c for c in fake.comments if c["node_id"] == node), None)
            if comment is None or "minimizeComment" not in payload["query"] or "OUTDATED" not in payload["query"]:
                return 200, {"errors": [{"message": "Could not resolve to a node"}]}, {}
            comment["minimized"] = True
            return 200, {"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}}, {}
        return 404, {"message": "Not Found"}, {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


class GitHubServer:
    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.fake = fake
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> GitHubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
