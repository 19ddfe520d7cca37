"""`driftwatch comment`: one sticky PR comment, found by its hidden marker and kept up to date.

Like tfcmt and infracost, the comment carries a marker (`<!-- driftwatch: TAG -->`) on its first
line; only comments that start with it are ours, so a human comment that mentions driftwatch
is never touched. Every request goes over httpx with retries on 5xx, 429 and GitHub's
secondary rate limit (403 with Retry-After). The token is sent only as a header and never
appears in a message, log line or exception.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from driftwatch.errors import DriftwatchError
from driftwatch.model import Result
from driftwatch.renderers import RENDERERS, RenderOptions

GITHUB_LIMIT = 65_536
Behavior = Literal["update", "new", "delete-and-new", "hide-and-new"]
MAX_ATTEMPTS = 6
MAX_WAIT_S = 60.0


class DeliveryError(DriftwatchError):
    pass


def marker(tag: str) -> str:
    return f"<!-- driftwatch: {tag} -->"


def comment_body(result: Result, tag: str, *, details_url: str | None = None, limit: int = GITHUB_LIMIT) -> str:
    """The Markdown report under GitHub's size limit: the summary whole, details trimmed to fit."""
    options = RenderOptions(details_url=details_url, header=marker(tag) + "\n")
    if not result.findings and not result.has_not_checked:
        return (
            options.header + "## driftwatch: no drift\n\nEvery resource matches its baseline and every check holds.\n"
        )
    full = RENDERERS["markdown"].render(result, options)
    if len(full) <= limit:
        return full
    low, high = 0, len(result.findings)  # the most findings whose details still fit
    while low < high:
        middle = (low + high + 1) // 2
        fits = len(RENDERERS["markdown"].render(result, _with(options, middle))) <= limit
        low, high = (middle, high) if fits else (low, middle - 1)
    return RENDERERS["markdown"].render(result, _with(options, low))


def _with(options: RenderOptions, shown: int) -> RenderOptions:
    return RenderOptions(max_findings=shown, details_url=options.details_url, header=options.header)


def graphql_url_for(api_url: str) -> str:
    """CONTRACT section 7: api.github.com -> /graphql; https://HOST/api/v3 -> https://HOST/api/graphql."""
    parts = urlsplit(api_url.rstrip("/"))
    if parts.path.endswith("/api/v3"):
        return f"{parts.scheme}://{parts.netloc}{parts.path[: -len('/v3')]}/graphql"
    return f"{parts.scheme}://{parts.netloc}/graphql"


@dataclass
class Outcome:
    action: str  # created, updated, unchanged, deleted, hidden-and-created, ...
    url: str | None = None
    writes: int = 0


@dataclass
class GitHub:
    """The few REST and GraphQL calls the comment needs, with retries that honour Retry-After."""

    api_url: str
    token: str = field(repr=False)
    graphql_url: str | None = None
    sleep: Callable[[float], None] = time.sleep
    client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            base_url=self.api_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "driftwatch",
            },
            timeout=httpx.Timeout(30.0),
        )

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise DeliveryError(f"GitHub unreachable at {self.api_url}: {type(exc).__name__}") from None
                self.sleep(_backoff(attempt))
                continue
            wait = _retry_wait(response, attempt)
            if wait is None:
                return _checked(response, method)
            if attempt == MAX_ATTEMPTS:
                return _checked(response, method)
            self.sleep(wait)
        raise AssertionError("unreachable")

    def comments(self, repo: str, pr: int) -> list[dict[str, Any]]:
        """Every comment on the PR, following `Link: rel="next"` through all pages."""
        found: list[dict[str, Any]] = []
        url: str | None = f"/repos/{repo}/issues/{pr}/comments"
        params: dict[str, Any] | None = {"per_page": 100}
        while url:
            response = self.request("GET", url, params=params)
            found.extend(response.json())
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries its own query
        return found

    def create(self, repo: str, pr: int, body: str) -> dict[str, Any]:
        data: dict[str, Any] = self.request("POST", f"/repos/{repo}/issues/{pr}/comments", json={"body": body}).json()
        return data

    def update(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        path = f"/repos/{repo}/issues/comments/{comment_id}"
        data: dict[str, Any] = self.request("PATCH", path, json={"body": body}).json()
        return data

    def delete(self, repo: str, comment_id: int) -> None:
        self.request("DELETE", f"/repos/{repo}/issues/comments/{comment_id}")

    def minimize(self, node_id: str) -> None:
        query = (
            "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) "
            "{ minimizedComment { isMinimized } } }"
        )
        url = self.graphql_url or graphql_url_for(self.api_url)
        response = self.request("POST", url, json={"query": query, "variables": {"id": node_id}})
        errors = response.json().get("errors")
        if errors:
            raise DeliveryError(f"GitHub GraphQL refused to hide comment {node_id}: {errors[0].get('message', '?')}")


def _backoff(attempt: int) -> float:
    return float(random.uniform(0, min(MAX_WAIT_S, 0.5 * 2**attempt)))


def _retry_wait(response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before retrying, or None when the answer is final."""
    status = response.status_code
    limited = status == 429 or (status == 403 and _rate_limited(response))
    if not (limited or status >= 500):
        return None
    retry_after = response.headers.get("Retry-After")
    if retry_after is not None:
        try:
            return min(MAX_WAIT_S, max(0.0, float(retry_after)))
        except ValueError:
            pass
    reset = response.headers.get("X-RateLimit-Reset")
    if limited and response.headers.get("X-RateLimit-Remaining") == "0" and reset and reset.isdigit():
        return min(MAX_WAIT_S, max(0.0, int(reset) - time.time()))
    return _backoff(attempt)


def _rate_limited(response: httpx.Response) -> bool:
    if response.headers.get("Retry-After") or response.headers.get("X-RateLimit-Remaining") == "0":
        return True
    return "rate limit" in response.text.lower()


def _checked(response: httpx.Response, method: str) -> httpx.Response:
    if response.status_code < 400:
        return response
    try:
        message = str(response.json().get("message", ""))[:200]
    except ValueError:
        message = ""
    path = response.request.url.path
    hint = {
        401: "check the token in GITHUB_TOKEN (or --token-env)",
        403: "the token needs pull-requests: write (or issues: write) on this repository",
        404: "check --repo and --pr; a token without access to a private repository also gets 404",
    }.get(response.status_code)
    raise DeliveryError(f"GitHub {method} {path}: {response.status_code} {message}".rstrip(), hint=hint)


def post_comment(
    github: GitHub,
    repo: str,
    pr: int,
    body: str,
    tag: str,
    *,
    behavior: Behavior = "update",
    delete_when_clean: bool = False,
    clean: bool = False,
) -> Outcome:
    """Create, update, replace or remove our comment; no write at all when nothing changed."""
    ours = [c for c in github.comments(repo, pr) if str(c.get("body", "")).startswith(marker(tag))]
    if clean and delete_when_clean:
        for comment in ours:
            github.delete(repo, int(comment["id"]))
        return Outcome("deleted" if ours else "unchanged", writes=len(ours))
    latest = ours[-1] if ours else None
    if latest is not None and behavior != "new" and latest.get("body") == body:
        return Outcome("unchanged", latest.get("html_url"))
    if behavior == "update" and latest is not None:
        updated = github.update(repo, int(latest["id"]), body)
        return Outcome("updated", updated.get("html_url"), writes=1)
    writes = 0
    if behavior == "delete-and-new":
        for comment in ours:
            github.delete(repo, int(comment["id"]))
            writes += 1
    if behavior == "hide-and-new":
        for comment in ours:
            github.minimize(str(comment["node_id"]))
            writes += 1
    created = github.create(repo, pr, body)
    action = {"delete-and-new": "replaced", "hide-and-new": "hid old and created"}.get(behavior, "created")
    return Outcome(action, created.get("html_url"), writes=writes + 1)
