"""`driftwatch ignore`: append one `ignore` entry to driftwatch.yaml, keeping the rest as written.

ruamel.yaml round-trips the file (comments, key order, quoting and flow style survive); the
result is validated as a config before it replaces the file atomically, so a bad edit never
lands.
"""

from __future__ import annotations

import io
from typing import Any

from driftwatch.address import AddressGlob
from driftwatch.config import MAX_CONFIG_BYTES, LoadedConfig, validate_text
from driftwatch.errors import ConfigError
from driftwatch.fsutil import atomic_write_text, read_text_capped


def add_ignore(loaded: LoadedConfig, address: str, reason: str) -> bool:
    """Append `{path: address, reason: reason}`; False when that path is ignored already."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    AddressGlob.parse(address)  # a bad address fails here, naming itself
    if not reason.strip():
        raise ConfigError("--reason is empty", hint="say why this drift is accepted; reviewers read it")
    if any(rule.path == address for rule in loaded.config.ignore):
        return False
    path = loaded.path
    text = read_text_capped(path, MAX_CONFIG_BYTES, ConfigError)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=2, sequence=4, offset=2)
    document: Any = yaml.load(text)
    entry = CommentedMap([("path", address), ("reason", reason)])
    entries = document.get("ignore")
    if entries is None:
        document["ignore"] = CommentedSeq([entry])
    else:
        entries.append(entry)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    validate_text(buffer.getvalue(), path)
    atomic_write_text(path, buffer.getvalue())
    return True
