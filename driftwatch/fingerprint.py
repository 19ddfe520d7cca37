"""The only place that sees a secret value: keyed HMAC, then the plaintext is dropped.

A fingerprint is `fp:` plus 12 hex characters of HMAC-SHA256. The key is
`DRIFTWATCH_FINGERPRINT_KEY` when set, else a random salt stored once in
`baselines/.driftwatch-salt`, so fingerprints are stable across runs but useless
for guessing values offline without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from driftwatch.errors import BaselineError
from driftwatch.fsutil import atomic_write_text

KEY_ENV = "DRIFTWATCH_FINGERPRINT_KEY"
SALT_FILE = ".driftwatch-salt"
FINGERPRINT_RE = re.compile(r"\Afp:[0-9a-f]{12}\Z")


def is_fingerprint(value: object) -> bool:
    return isinstance(value, str) and FINGERPRINT_RE.match(value) is not None


@dataclass(frozen=True)
class Fingerprinter:
    key: bytes = field(repr=False)

    def __call__(self, value: str | bytes) -> str:
        data = value.encode("utf-8") if isinstance(value, str) else value
        return "fp:" + hmac.new(self.key, data, hashlib.sha256).hexdigest()[:12]

    @property
    def key_id(self) -> str:
        """Names the key without revealing it, so snapshots made with another key are refused."""
        return hmac.new(self.key, b"driftwatch-key-id", hashlib.sha256).hexdigest()[:12]


def load_fingerprinter(baselines_dir: Path, *, create: bool = False, use_env: bool = True) -> Fingerprinter:
    """Key from the environment (unless `use_env` is off), else the salt file (created only when `create`)."""
    env_key = os.environ.get(KEY_ENV) if use_env else None
    if env_key:
        return Fingerprinter(env_key.encode("utf-8"))
    salt_path = baselines_dir / SALT_FILE
    if salt_path.is_file():
        salt = salt_path.read_text(encoding="utf-8").strip()
        if not re.fullmatch(r"[0-9a-f]{32,128}", salt):
            raise BaselineError(
                f"{salt_path}: not a driftwatch salt",
                hint="restore it from version control, or delete it and run `driftwatch baseline update`",
            )
        return Fingerprinter(salt.encode("ascii"))
    if create:
        salt = secrets.token_hex(32)
        atomic_write_text(salt_path, salt + "\n")
        return Fingerprinter(salt.encode("ascii"))
    raise BaselineError(
        f"{salt_path}: no fingerprint salt",
        hint=f"run `driftwatch baseline update` first, or set {KEY_ENV}",
    )
