"""Scripted faults: what a flaky or hostile API does, aimed at chosen requests.

A `Fault` matches requests by a regex over the path (and, with `paged`, only requests that
carry a page token, i.e. the middle of a listing) and acts `times` times (None: always).
Status faults answer in Google's JSON error shape; the others break the transport: an answer
slower than the client's deadline, a body trickled byte by byte (slow loris), a connection
reset before any answer, a body cut short of its Content-Length, and a 200 that is not JSON.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["status", "slow", "trickle", "reset", "truncate", "malformed"]


@dataclass
class Fault:
    path: str  # regex, searched in the request path
    kind: FaultKind
    status: int = 503  # for `status`
    seconds: float = 0.0  # `slow`: delay before answering; `trickle`: delay between bytes
    times: int | None = None  # how many matching requests it hits; None: every one
    paged: bool = False  # only requests with a pageToken (a listing's second page onwards)
    hits: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)

    def matches(self, path: str, query: dict[str, list[str]]) -> bool:
        if self.paged and not (query.get("pageToken") or query.get("page_token")):
            return False
        return self._pattern.search(path) is not None


class FaultScript:
    """The faults of one emulator; thread-safe, first match with hits left wins."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self.faults = list(faults or [])
        self._lock = threading.Lock()

    def take(self, path: str, query: dict[str, list[str]]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (fault.times is None or fault.hits < fault.times) and fault.matches(path, query):
                    fault.hits += 1
                    return fault
        return None
