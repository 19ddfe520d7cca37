"""Cross-source expectations (`checks:` in driftwatch.yaml) -> check findings.

A Cloud Run env var that reads a secret resolves to that secret version's fingerprint, so
"the test key equals what the auth service reads" is one `equal` check. Anything that
cannot be resolved is NOT_CHECKED with the reason, never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from driftwatch.address import Address, AddressGlob, walk
from driftwatch.config import Check
from driftwatch.expressions import parse_requirement
from driftwatch.model import ChangeStatus, Finding, Resource
from driftwatch.normalise.secret import UNREADABLE_STATES
from driftwatch.rules.base import make_finding
from driftwatch.rules.generic import CHECK_EQUAL, CHECK_REQUIRE


@dataclass(frozen=True)
class Resolved:
    address: Address
    value: Any
    problem: str | None = None  # set when the value exists but cannot be used (e.g. disabled secret)
    not_checked: str | None = None  # set when we could not see the value at all
    from_secret: bool = False  # the value is what a service reads from Secret Manager


Documents = Mapping[tuple[str, str], Resource]


def run_checks(checks: Iterable[Check], resources: Documents, *, location: str | None = None) -> list[Finding]:
    """Findings of the configured checks; `location` (driftwatch.yaml) is where they are written."""
    findings: list[Finding] = []
    for check in checks:
        if check.equal is not None:
            findings.extend(_equal(check, check.equal, resources))
        elif check.require is not None:
            findings.extend(_require(check, check.require, resources))
    return [f.model_copy(update={"location": location}) for f in findings] if location else findings


def resolve(glob_text: str, resources: Documents) -> list[Resolved]:
    glob = AddressGlob.parse(glob_text)
    resolved: list[Resolved] = []
    for (source, name), resource in sorted(resources.items()):
        if not glob.matches_resource(source, name):
            continue
        for path, node in walk(resource.document):
            address = Address(source, name, path)
            if glob.matches(address):
                resolved.append(_value_of(address, node, resources))
    return resolved


def _value_of(address: Address, node: Any, resources: Documents) -> Resolved:
    if isinstance(node, dict) and set(node) == {"value"}:
        return Resolved(address, node["value"])
    if isinstance(node, dict) and "secret" in node and "version" in node:
        return _secret_value(address, str(node["secret"]), str(node["version"]), resources)
    return Resolved(address, node)


def _secret_value(address: Address, secret: str, version: str, resources: Documents) -> Resolved:
    documents = [r.document for r in resources.values() if r.kind == "secret" and r.resource == secret]
    if not documents:
        return Resolved(
            address,
            None,
            not_checked=f"it reads secret {secret!r}, which no secret-manager collector collects; add it to `secrets:`",
        )
    doc = documents[0]
    if version == "latest":
        latest = doc.get("latest") or {}
        state = str(latest.get("state", ""))
        if state in UNREADABLE_STATES:
            number = latest.get("version", "?")
            return Resolved(
                address,
                None,
                problem=f"secret {secret} latest (version {number}) is {state}: the service cannot read it",
            )
        return Resolved(address, doc.get("value"), from_secret=True)
    pinned = (doc.get("status") or {}).get("versions") or {}
    entry = (doc.get("versions") or {}).get(version) or pinned.get(version) or {}
    state = str(entry.get("state", ""))
    if state in UNREADABLE_STATES:
        return Resolved(
            address,
            None,
            problem=f"secret {secret} version {version} is {state}: the service cannot read it",
        )
    if "fingerprint" not in entry:
        return Resolved(address, None, not_checked=f"version {version} of secret {secret!r} was not read")
    return Resolved(address, entry["fingerprint"], from_secret=True)


def _equal(check: Check, globs: list[str], resources: Documents) -> list[Finding]:
    values: list[Resolved] = []
    for glob in globs:
        matched = resolve(glob, resources)
        if not matched:
            return [_not_checked(check, CHECK_EQUAL.id, glob, f"{glob} matches nothing: check the address")]
        values.extend(matched)
    blind = next((v for v in values if v.not_checked), None)
    if blind:
        return [_not_checked(check, CHECK_EQUAL.id, str(blind.address), f"{blind.address}: {blind.not_checked}")]
    reference = values[0]
    for other in values[1:]:
        if other.problem or reference.problem or other.value != reference.value:
            bad = other if (other.problem or not reference.problem) else reference
            if reference.from_secret and not other.from_secret and not (other.problem or reference.problem):
                bad, reference = reference, other  # report at the service side: rules explain the secret
            return [
                _mismatch(
                    check,
                    CHECK_EQUAL.id,
                    bad.address,
                    expected=reference.value,
                    actual=bad.problem or bad.value,
                    message=f"{check.name}: {bad.address} does not equal {reference.address}",
                    related=[str(reference.address)],
                )
            ]
    return []


def _require(check: Check, text: str, resources: Documents) -> list[Finding]:
    requirement = parse_requirement(text)
    matched = resolve(requirement.address, resources)
    if not matched:
        return [
            _not_checked(
                check,
                CHECK_REQUIRE.id,
                requirement.address,
                f"{requirement.address} matches nothing: check the address",
            )
        ]
    findings: list[Finding] = []
    for item in matched:
        if item.not_checked:
            findings.append(
                _not_checked(
                    check,
                    CHECK_REQUIRE.id,
                    str(item.address),
                    f"{item.address}: {item.not_checked}",
                )
            )
        elif item.problem or not requirement.holds(item.value):
            findings.append(
                _mismatch(
                    check,
                    CHECK_REQUIRE.id,
                    item.address,
                    expected=f"{requirement.op} {requirement.describe_value()}",
                    actual=item.problem or item.value,
                    message=f"{check.name}: {item.address} must be {requirement.op} {requirement.describe_value()}",
                )
            )
    return findings


def _mismatch(
    check: Check,
    rule: str,
    address: Address,
    *,
    expected: Any,
    actual: Any,
    message: str,
    related: list[str] | None = None,
) -> Finding:
    return make_finding(
        rule=rule,
        kind="check",
        status=ChangeStatus.MISMATCH,
        severity=check.severity,
        source=address.source,
        resource=address.resource,
        address=str(address),
        expected=expected,
        actual=actual,
        message=message,
        hint=check.description or "A cross-source expectation from driftwatch.yaml does not hold.",
        identity=f"{rule}:{check.name}",
        related=related,
    )


def _not_checked(check: Check, rule: str, address_text: str, reason: str) -> Finding:
    glob = AddressGlob.parse(address_text)
    source, resource = glob.source, "/".join(glob.resource)
    return make_finding(
        rule=rule,
        kind="check",
        status=ChangeStatus.NOT_CHECKED,
        severity=check.severity,
        source=source,
        resource=resource,
        address=address_text,
        message=f"{check.name} could not be checked: {reason}",
        hint="A check that cannot see its values never passes; fix the address or collect the missing resource.",
        identity=f"{rule}:{check.name}",
    )
