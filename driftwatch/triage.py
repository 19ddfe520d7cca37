"""`driftwatch explain`: which current findings explain a red e2e run.

A failing test's text is matched against the `explains` patterns of each finding's rule (the
mapping lives in the rule catalog, not here); the findings that match are ranked by how many
patterns match and by severity. A failure no finding explains is labelled so: look at the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from driftwatch.errors import InputFileError
from driftwatch.fsutil import read_text_capped
from driftwatch.model import Finding, Result
from driftwatch.rules import RULES
from driftwatch.severity import severity_rank

MAX_INPUT_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Failure:
    name: str
    text: str


@dataclass(frozen=True)
class Explanation:
    failure: Failure
    findings: tuple[Finding, ...]  # best first; empty: no drift explains it

    @property
    def label(self) -> str:
        if not self.findings:
            return "no drift explains this: look at the code"
        return f"infrastructure drift: {self.findings[0].message}"


def read_failures(path: Path) -> list[Failure]:
    """A JUnit XML report (its failed and errored test cases) or plain text (one failure)."""
    text = read_text_capped(path, MAX_INPUT_BYTES, InputFileError)
    if text.lstrip().startswith("<"):
        return _junit_failures(path, text)
    return [Failure(path.name, text)]


def _junit_failures(path: Path, text: str) -> list[Failure]:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        position = getattr(exc, "position", None)
        where = f":{position[0]}" if position else ""
        raise InputFileError(
            f"{path}{where}: not a JUnit XML report ({type(exc).__name__})",
            hint="pass the XML your test runner wrote (pytest --junitxml=FILE), or a text file",
        ) from None
    failures = []
    for case in root.iter("testcase"):
        for problem in [*case.findall("failure"), *case.findall("error")]:
            name = ".".join(p for p in (case.get("classname"), case.get("name")) if p)
            text = " ".join(p for p in (problem.get("message"), problem.get("type"), problem.text) if p)
            failures.append(Failure(name or "testcase", text))
    return failures


def explain(failures: list[Failure], result: Result) -> list[Explanation]:
    return [Explanation(failure, _ranked(failure, result.findings)) for failure in failures]


def _ranked(failure: Failure, findings: list[Finding]) -> tuple[Finding, ...]:
    scored = []
    for finding in findings:
        rule = RULES.get(finding.rule)
        hits = rule.matching_patterns(failure.text) if rule is not None else 0
        if hits:
            scored.append((hits, severity_rank(finding.severity), finding))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2].address))
    return tuple(finding for _, _, finding in scored)
