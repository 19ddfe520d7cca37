"""Test-config rules: the tests point at a stale Cloud Run URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from driftwatch.address import format_path, leaves
from driftwatch.model import Finding
from driftwatch.rules.base import Rule, RuleContext, run_flags

KIND = "test-config"


def _service_hosts(ctx: RuleContext) -> dict[str, set[str]]:
    """Service name -> the hosts it answers on (`status.uri`, `status.urls`)."""
    hosts: dict[str, set[str]] = {}
    for _, name, document in ctx.documents_of("cloud-run"):
        status = document.get("status") or {}
        urls = [status.get("uri"), *(status.get("urls") or [])]
        hosts[name] = {urlsplit(u).hostname or "" for u in urls if isinstance(u, str)} - {""}
    return hosts


def _detect_stale_urls(ctx: RuleContext) -> list[Finding]:
    services = _service_hosts(ctx)
    findings = []
    for source, resource, document in ctx.documents_of(KIND):
        for path, value in leaves(document):
            host = urlsplit(value).hostname if isinstance(value, str) and "://" in value else None
            if not host or not host.endswith(".run.app"):
                continue
            owner = next(
                (n for n in sorted(services, key=len, reverse=True) if host.startswith((n + "-", n + "."))), None
            )
            if owner is None or not services[owner] or host in services[owner]:
                continue
            address = f"{source}/{resource}:{format_path(path)}"
            current = sorted(services[owner])[0]
            findings.append(
                STALE_URL.detected(
                    address,
                    expected=f"https://{current}",
                    actual=value,
                    message=f"{resource} points {format_path(path)} at {host}, but {owner} answers on {current}.",
                    commands=[
                        f"gcloud run services describe {owner} --format='value(status.url)' "
                        + run_flags(ctx, ctx.source_of("cloud-run", owner))
                    ],
                )
            )
    return findings


STALE_URL = Rule(
    "test-config.stale-service-url",
    "high",
    ("check",),
    "A test-config URL names a Cloud Run service but not the host that service answers on.",
    hint="The tests talk to a host that no longer serves this service (or another project's copy); "
    "take the URL from the service itself (the command below).",
    explains=(r"name or service not known", r"getaddrinfo", r"\b404\b", r"could not resolve host"),
    detect=_detect_stale_urls,
    refines=False,
)

RULES = (STALE_URL,)
