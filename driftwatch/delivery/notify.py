"""`check --notify URL`: a Slack-compatible webhook message when something changed.

Posted only when the set of findings changed since the last recorded run (new or resolved;
without `--history` every run with findings counts as changed), and always when the run
could not check everything: "could not check" is not "no drift". The URL is a credential
(Slack and Teams put the secret in the path), so it never appears in output or logs; hooks
are named by position.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence

import httpx

from driftwatch.model import Result
from driftwatch.severity import SEVERITIES

MAX_ATTEMPTS = 4
MAX_LISTED = 10


def _quiet_http_logs() -> None:
    """httpx logs every request URL at INFO (shown with -v): a webhook URL must not be."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def should_notify(result: Result) -> bool:
    if result.has_not_checked:
        return True
    if result.history is None:
        return bool(result.findings)
    return bool(result.history.new or result.history.resolved)


def message(result: Result) -> dict[str, object]:
    counts = result.summary.findings.model_dump()
    worst = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s]) or "no findings"
    head = f"driftwatch · {result.project or 'no project'}: "
    if result.has_not_checked:
        head += f"COULD NOT CHECK {result.summary.not_checked} resource(s) · {worst}"
    else:
        head += f"{'DRIFT' if result.findings else 'no drift'} · {worst}"
    lines = [head]
    history = result.history
    new_ids = set(history.new) if history else {f.id for f in result.findings}
    fresh = [f for f in result.findings if f.id in new_ids]
    if history is not None:
        lines.append(f"since the last run: {len(history.new)} new, {len(history.resolved)} resolved")
    for f in fresh[:MAX_LISTED]:
        lines.append(f"• [{f.severity}] {f.address}: {f.message[:200]}")
    if len(fresh) > MAX_LISTED:
        lines.append(f"… and {len(fresh) - MAX_LISTED} more")
    for r in (history.resolved if history else [])[:MAX_LISTED]:
        lines.append(f"✓ resolved: {r.address}")
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]}


def notify(urls: Sequence[str], result: Result, *, sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """Post to each hook when warranted; returns problems (hook named by position, never by URL)."""
    if not urls or not should_notify(result):
        return []
    _quiet_http_logs()
    body = message(result)
    problems = []
    with httpx.Client(timeout=httpx.Timeout(15.0)) as client:
        for index, url in enumerate(urls, start=1):
            problem = _post(client, url, body, sleep)
            if problem:
                problems.append(f"notify: webhook #{index}: {problem}")
    return problems


def _post(client: httpx.Client, url: str, body: dict[str, object], sleep: Callable[[float], None]) -> str | None:
    last = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = client.post(url, json=body)
        except httpx.HTTPError as exc:
            last = f"unreachable ({type(exc).__name__})"
        else:
            if response.status_code < 300:
                return None
            last = f"HTTP {response.status_code}"
            if response.status_code != 429 and response.status_code < 500:
                return last
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.isdigit():
                sleep(min(30.0, float(retry_after)))
                continue
        if attempt < MAX_ATTEMPTS:
            sleep(random.uniform(0, min(10.0, 0.5 * 2**attempt)))
    return f"{last} after {MAX_ATTEMPTS} attempts"
