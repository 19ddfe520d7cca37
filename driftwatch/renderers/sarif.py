"""SARIF 2.1.0 for GitHub code scanning: the rule catalog as `tool.driver.rules`, one result per
finding, `partialFingerprints` from the finding id so alerts follow a problem across runs."""

from __future__ import annotations

import json
import re
from typing import Any

from driftwatch import __version__
from driftwatch.model import Finding, Result
from driftwatch.renderers.base import Renderer, RenderOptions
from driftwatch.severity import Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS: dict[Severity, str] = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY: dict[Severity, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}
_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+)$")


def render(result: Result, options: RenderOptions) -> str:
    from driftwatch.rules import RULES

    ids = list(RULES) + sorted({f.rule for f in result.findings} - set(RULES))
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    rules = [_rule(rule_id) for rule_id in ids]
    body = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "driftwatch",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/driftwatch/driftwatch",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"driftwatch/{result.project or 'default'}/"},
                "results": [_result(f, index[f.rule]) for f in result.findings],
                "properties": {"summary": result.summary.model_dump(mode="json")},
            }
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _rule(rule_id: str) -> dict[str, Any]:
    from driftwatch.rules import RULES

    rule = RULES.get(rule_id)
    if rule is None:  # a rule from an older result: named, not described
        return {"id": rule_id, "name": rule_id, "shortDescription": {"text": rule_id}}
    return {
        "id": rule.id,
        "name": "".join(part.title() for part in re.split(r"[.-]", rule.id)),
        "shortDescription": {"text": rule.description.split(": ")[0].rstrip(".")},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.hint or rule.description},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": sorted({"drift", *rule.kinds}),
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    text = finding.message
    if finding.commands:
        text += " Fix: " + "; ".join(finding.commands)
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "partialFingerprints": {"driftwatchFindingId/v1": finding.id},
        "properties": {
            "address": finding.address,
            "status": finding.status.value,
            "kind": finding.kind,
            "severity": finding.severity,
        },
    }
    location = _location(finding.location)
    if location is not None:
        entry["locations"] = [location]
    return entry


def _location(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    match = _LINE.match(text)
    physical: dict[str, Any] = {"artifactLocation": {"uri": match.group("file") if match else text}}
    if match:
        physical["region"] = {"startLine": int(match.group("line"))}
    return {"physicalLocation": physical}


RENDERER = Renderer("sarif", "sarif", "SARIF 2.1.0 for GitHub code scanning", render)
