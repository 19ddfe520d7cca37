"""JUnit XML: a testsuite per source, a testcase per resource; drift fails, NOT_CHECKED errors.

CI systems show it as tests, so a drifted resource reads as a red test with its findings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree as ET

from driftwatch.model import Finding, ResourceStatus, Result
from driftwatch.renderers.base import Renderer, RenderOptions

FAILING = (ResourceStatus.DRIFTED, ResourceStatus.ADDED, ResourceStatus.REMOVED)


def render(result: Result, options: RenderOptions) -> str:
    by_resource: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_resource[(finding.source, finding.resource)].append(finding)
    cases: dict[str, list[ET.Element]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for resource in result.resources:
        key = (resource.source, resource.resource)
        seen.add(key)
        case = ET.Element("testcase", name=resource.resource, classname=resource.source, time="0")
        findings = by_resource.get(key, [])
        if resource.status is ResourceStatus.NOT_CHECKED:
            ET.SubElement(case, "error", message=f"not checked: {resource.error}", type="NOT_CHECKED").text = (
                resource.error or ""
            )
        elif resource.status in FAILING or findings:
            _failure(case, resource.status.value, findings)
        cases[resource.source].append(case)
    for key, findings in sorted(by_resource.items()):
        if key not in seen:  # a check or detector finding about something not collected as a resource
            case = ET.Element("testcase", name=key[1], classname=key[0], time="0")
            _failure(case, "MISMATCH", findings)
            cases[key[0]].append(case)
    root = ET.Element("testsuites", name="driftwatch", time=f"{result.duration_s:.3f}")
    for source in sorted(cases):
        suite = ET.SubElement(root, "testsuite", name=source, timestamp=result.generated_at, time="0")
        suite.extend(cases[source])
        suite.set("tests", str(len(cases[source])))
        suite.set("failures", str(sum(c.find("failure") is not None for c in cases[source])))
        suite.set("errors", str(sum(c.find("error") is not None for c in cases[source])))
        suite.set("skipped", "0")
    root.set("tests", str(sum(len(c) for c in cases.values())))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in root)))
    root.set("errors", str(sum(int(s.get("errors", "0")) for s in root)))
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _NOT_XML.sub(_escaped, xml) + "\n"


# Characters XML 1.0 forbids even as references; ElementTree writes them as they are, and every
# JUnit reader then refuses the whole file. A value holding one shows it as an escape instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def _failure(case: ET.Element, status: str, findings: list[Finding]) -> None:
    worst = findings[0].severity if findings else "medium"
    message = f"{status}: {len(findings)} finding(s), worst {worst}"
    lines = []
    for f in findings:
        lines.append(f"[{f.severity}] {f.rule} {f.address}: {f.message}")
        lines.extend(f"  $ {command}" for command in f.commands)
    ET.SubElement(case, "failure", message=message, type=status).text = "\n".join(lines)


RENDERER = Renderer("junit", "xml", "JUnit XML: a testcase per resource, drift as failures", render)
