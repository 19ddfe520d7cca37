"""Cloud Run v2 Service -> normalised document.

Accepts the REST JSON (camelCase) or an already-normalised document (idempotent). Defaults
are made explicit so "unset" and "default" never differ; named lists become mappings;
output-only fields are dropped, except `uri`, `urls`, `latest_ready_revision` and
`reconciling`, kept under `status` for checks and never compared for drift.
"""

from __future__ import annotations

import re
from typing import Any

from driftwatch.normalise.common import (
    as_int,
    drop,
    drop_unspecified,
    duration,
    keyed,
    short_name,
    snake_keys,
)

DATA_MAPS = frozenset(
    {
        "labels",
        "annotations",
        "env",
        "limits",
        "node_selector",
        "containers",
        "volumes",
        "volume_mounts",
        "ports",
        "traffic",
        "status",
    }
)
OUTPUT_ONLY = (
    "uid",
    "generation",
    "etag",
    "create_time",
    "update_time",
    "delete_time",
    "expire_time",
    "creator",
    "last_modifier",
    "client",
    "client_version",
    "conditions",
    "terminal_condition",
    "latest_created_revision",
    "traffic_statuses",
    "observed_generation",
    "build_info",
    "name",
    "satisfies_pzs",
    "custom_audiences_status",
)
STATUS_FIELDS = ("uri", "urls", "latest_ready_revision", "reconciling")
NOISE_ANNOTATIONS = (
    "run.googleapis.com/operation-id",
    "run.googleapis.com/client-name",
    "run.googleapis.com/client-version",
    "serving.knative.dev/creator",
    "serving.knative.dev/lastModifier",
    "client.knative.dev/user-image",
    "run.googleapis.com/urls",
)
NOISE_LABELS = ("cloud.googleapis.com/location", "run.googleapis.com/satisfiesPzs")
_AUTO_REVISION = re.compile(r"^.+-\d{5}-[a-z0-9]{3}$")

DEFAULT_TIMEOUT = "300s"
DEFAULT_CONCURRENCY = 80
DEFAULT_MAX_INSTANCES = 100
DEFAULT_PORT = {"http1": {"container_port": 8080}}


def normalise(document: dict[str, Any]) -> dict[str, Any]:
    doc = drop_unspecified(snake_keys(document, DATA_MAPS))  # snake_keys builds new containers: no copy needed
    status = {**(doc.get("status") or {}), **{k: doc[k] for k in STATUS_FIELDS if k in doc}}
    doc = drop(doc, (*OUTPUT_ONLY, *STATUS_FIELDS, "status"))
    doc["labels"] = drop(doc.get("labels") or {}, NOISE_LABELS)
    doc["annotations"] = drop(doc.get("annotations") or {}, NOISE_ANNOTATIONS)
    doc.setdefault("ingress", "INGRESS_TRAFFIC_ALL")
    doc.setdefault("launch_stage", "GA")
    doc["invoker_iam_disabled"] = bool(doc.get("invoker_iam_disabled", False))
    doc["default_uri_disabled"] = bool(doc.get("default_uri_disabled", False))
    doc["scaling"] = _service_scaling(doc.get("scaling") or {})
    doc["traffic"] = _traffic(doc.get("traffic"))
    doc["template"] = _template(doc.get("template") or {})
    status["reconciling"] = bool(status.get("reconciling", False))  # proto3 JSON omits false
    doc["status"] = {k: status[k] for k in sorted(status) if status[k] not in (None, [], "")}
    return doc


def _service_scaling(scaling: dict[str, Any]) -> dict[str, Any]:
    result = {k: as_int(v) for k, v in scaling.items()}
    result.setdefault("min_instance_count", 0)
    return result


def _traffic(traffic: Any) -> dict[str, Any]:
    if isinstance(traffic, dict):
        return traffic
    if not traffic:
        return {"LATEST": {"percent": 100}}
    result: dict[str, Any] = {}
    for item in traffic:
        item = dict(item)
        kind = item.pop("type", "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST")
        key = "LATEST" if kind.endswith("_LATEST") else str(item.pop("revision", "?"))
        entry = {"percent": as_int(item.pop("percent", 0)), **item}
        result[key] = entry
    return result


def _template(template: dict[str, Any]) -> dict[str, Any]:
    t = dict(template)
    if isinstance(t.get("revision"), str) and _AUTO_REVISION.match(t["revision"]):
        del t["revision"]
    t["labels"] = t.get("labels") or {}
    t["annotations"] = drop(t.get("annotations") or {}, NOISE_ANNOTATIONS)
    t["timeout"] = duration(t.get("timeout", DEFAULT_TIMEOUT))
    t["max_instance_request_concurrency"] = as_int(t.get("max_instance_request_concurrency", DEFAULT_CONCURRENCY))
    t["session_affinity"] = bool(t.get("session_affinity", False))
    scaling = {k: as_int(v) for k, v in (t.get("scaling") or {}).items()}
    scaling.setdefault("min_instance_count", 0)
    scaling.setdefault("max_instance_count", DEFAULT_MAX_INSTANCES)
    t["scaling"] = scaling
    if t.get("vpc_access"):
        t["vpc_access"] = _vpc_access(t["vpc_access"])
    t["containers"] = {name: _container(c) for name, c in keyed(t.get("containers")).items()}
    t["volumes"] = {name: _volume(v) for name, v in keyed(t.get("volumes")).items()}
    return t


def _vpc_access(vpc: dict[str, Any]) -> dict[str, Any]:
    result = dict(vpc)
    result.setdefault("egress", "PRIVATE_RANGES_ONLY")
    if "network_interfaces" in result and isinstance(result["network_interfaces"], list):
        result["network_interfaces"] = sorted(
            (dict(i) for i in result["network_interfaces"]),
            key=lambda i: (str(i.get("network")), str(i.get("subnetwork"))),
        )
    return result


def _container(container: dict[str, Any]) -> dict[str, Any]:
    c = dict(container)
    c["env"] = {name: _env_value(v) for name, v in keyed(c.get("env")).items()}
    ports = keyed(c.get("ports")) or dict(DEFAULT_PORT)
    c["ports"] = {name: {**p, "container_port": as_int(p.get("container_port", 8080))} for name, p in ports.items()}
    declared = c.get("resources")
    resources = dict(declared or {})
    limits = dict(resources.get("limits") or {})
    limits.setdefault("cpu", "1")
    limits.setdefault("memory", "512Mi")
    resources["limits"] = limits
    # Cloud Run: CPU idles between requests by default, but once `resources` is set the field
    # must be set to true explicitly; proto3 JSON omits a false, so absent means false there.
    resources["cpu_idle"] = bool(resources.get("cpu_idle", not declared))
    resources["startup_cpu_boost"] = bool(resources.get("startup_cpu_boost", False))
    c["resources"] = resources
    c["volume_mounts"] = keyed(c.get("volume_mounts"))
    for key in ("command", "args", "depends_on"):
        c[key] = list(c.get(key) or [])
    return c


def _env_value(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        return {"value": entry}
    if "secret" in entry:  # already normalised
        return {
            "secret": short_name(entry["secret"]),
            "version": str(entry.get("version") or "latest"),
        }
    source = entry.get("value_source") or {}
    ref = source.get("secret_key_ref") if isinstance(source, dict) else None
    if ref:
        return {
            "secret": short_name(ref.get("secret")),
            "version": str(ref.get("version") or "latest"),
        }
    return {"value": entry.get("value", "")}


def _volume(volume: dict[str, Any]) -> dict[str, Any]:
    v = dict(volume)
    sql = v.get("cloud_sql_instance")
    if isinstance(sql, dict):
        v["cloud_sql_instance"] = {**sql, "instances": sorted(sql.get("instances") or [])}
    return v
