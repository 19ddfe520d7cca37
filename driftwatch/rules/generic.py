"""The rules every finding starts from. Specific rules (issue catalog) refine these."""

from __future__ import annotations

from driftwatch.rules.base import Rule

DRIFT = Rule(
    "generic.drift",
    "medium",
    ("drift",),
    "A value differs from its baseline and no specific rule explains it.",
)
RESOURCE_ADDED = Rule(
    "generic.resource-added",
    "low",
    ("drift",),
    "A live resource has no baseline yet (unreviewed state).",
)
RESOURCE_REMOVED = Rule("generic.resource-removed", "medium", ("drift",), "A baselined resource no longer exists.")
NOT_CHECKED = Rule("generic.not-checked", "high", ("error",), "A resource could not be read; the run cannot pass.")
CHECK_EQUAL = Rule(
    "check.equal",
    "high",
    ("check",),
    "Values that a configured `equal` check says must match differ.",
)
CHECK_REQUIRE = Rule("check.require", "high", ("check",), "A configured `require` expectation does not hold.")
HYGIENE = Rule(
    "test-config.hygiene",
    "high",
    ("hygiene",),
    "A secret-like literal is committed in a test-config file; read it from Secret Manager or the environment instead.",
)

GENERIC_RULES = (
    DRIFT,
    RESOURCE_ADDED,
    RESOURCE_REMOVED,
    NOT_CHECKED,
    CHECK_EQUAL,
    CHECK_REQUIRE,
    HYGIENE,
)
