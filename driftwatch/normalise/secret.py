"""Secret Manager secret -> normalised document (CONTRACT section 3).

`versions.N`, `latest` and `value` come from the collector; the normaliser only makes
defaults explicit and drops output-only fields so both sides compare cleanly.
"""

from __future__ import annotations

from typing import Any

from driftwatch.normalise.common import as_int, drop, drop_unspecified, keyed, snake_keys

DATA_MAPS = frozenset({"labels", "annotations", "version_aliases", "versions", "replicas"})
OUTPUT_ONLY = ("name", "etag", "create_time", "ttl", "version_destroy_ttl_status")
UNREADABLE_STATES = ("DISABLED", "DESTROYED", "NOT_FOUND")  # a version in these cannot be accessed


def normalise(document: dict[str, Any]) -> dict[str, Any]:
    doc = drop_unspecified(snake_keys(document, DATA_MAPS))  # snake_keys builds new containers: no copy needed
    doc = drop(doc, OUTPUT_ONLY)
    doc["labels"] = doc.get("labels") or {}
    doc["annotations"] = doc.get("annotations") or {}
    doc["version_aliases"] = {k: as_int(v) for k, v in (doc.get("version_aliases") or {}).items()}
    doc["replication"] = _replication(doc.get("replication"))
    doc.setdefault("rotation", None)
    doc.setdefault("expire_time", None)
    doc["topics"] = sorted(short(t) for t in (doc.get("topics") or []))
    if "versions" in doc:
        doc["versions"] = {str(k): v for k, v in (doc["versions"] or {}).items()}
    return doc


def short(topic: Any) -> str:
    return str(topic.get("name") if isinstance(topic, dict) else topic)


def _replication(replication: Any) -> dict[str, Any]:
    if not replication or "automatic" in replication:
        return {"automatic": (replication or {}).get("automatic") or {}}
    managed = dict(replication.get("user_managed") or {})
    managed["replicas"] = keyed(managed.get("replicas"), "location")
    return {"user_managed": managed}
