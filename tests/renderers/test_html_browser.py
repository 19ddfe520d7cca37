"""The HTML report in a real browser: headless Chromium (Debian's package) driven by Playwright.

It must load with no console error and no network request, its severity filter must hide and
show findings, hostile names and values must stay inert text, and it must read at phone width.
On a machine without Chromium the test is skipped, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_RETRIES, config_yaml, gcp_state, service, write

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Each sets window.__xss if it ever runs; the <img> would also show as a network request.
PAYLOADS = {
    "label": '<img src="x" onerror="window.__xss=1">',
    "service": "<iframe srcdoc=x onload=window.__xss=2>",  # no slash: it is the last name segment
    "value": '"><svg onload="window.__xss=3"></svg>',
}
# Flags of a closed network: without them Chromium keeps trying to reach Google's hosts.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Any:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed: .ci/run installs Debian's `chromium` package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def hostile_report(cli, emulator, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A real run over the emulator whose service name, label and test-config value are payloads;
    run twice with history so the trend chart is drawn too."""
    api = service("api", {"MODE": "on"})
    api["labels"] = {"team": "core"}
    api["ingress"] = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    server = emulator(gcp_state(services=[api]))
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml(
                """
                - {name: run, kind: cloud-run}
                - {name: e2e, kind: test-config, files: [settings.yaml]}
                """,
                FAST_RETRIES,
            ),
            "settings.yaml": "title: plain\nbackend: {timeout: 30}\n",
        },
    )
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    live = server.state.services["projects/demo-proj/locations/us-central1/services/api"]
    live["labels"] = {"team": PAYLOADS["label"], PAYLOADS["label"]: "x"}
    live["ingress"] = "INGRESS_TRAFFIC_ALL"
    hostile = service(PAYLOADS["service"], {"MODE": "on"})
    server.state.services[hostile["name"]] = hostile
    (tmp_path / "settings.yaml").write_text(f"title: '{PAYLOADS['value']}'\nbackend: {{timeout: 31}}\n")
    for _ in range(2):
        run = cli("check", "--history", "h.db", "-f", "html", "-o", "report.html", cwd=tmp_path)
        assert run.code == 1, run.err
    return tmp_path / "report.html"


def test_the_report_in_chromium(cli, emulator, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = hostile_report(cli, emulator, tmp_path)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")

    assert problems == []
    assert requests == [report.as_uri()]  # the report itself, nothing else
    assert page.evaluate("window.__xss") is None  # no payload ran
    assert page.locator("main img, main svg[onload], main iframe").count() == 0  # none became an element
    text = page.inner_text("main")
    for payload in PAYLOADS.values():
        assert payload in text  # each shows as plain text
    assert page.locator("section.history svg").count() == 1  # the trend chart drew

    severities = page.eval_on_selector_all(".finding", "els => els.map(e => e.dataset.severity)")
    assert {"high", "medium", "low"} <= set(severities), severities
    medium = page.locator('.finding[data-severity="medium"]')
    others = page.locator('.finding:not([data-severity="medium"])')
    page.uncheck('input[name=severity][value="medium"]')
    assert all(not medium.nth(i).is_visible() for i in range(medium.count()))
    assert all(others.nth(i).is_visible() for i in range(others.count()))
    page.check('input[name=severity][value="medium"]')
    assert all(medium.nth(i).is_visible() for i in range(medium.count()))
    page.screenshot(path=str(tmp_path / "desktop.png"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})  # a phone
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
    assert page.locator(".finding").first.is_visible()
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    assert (tmp_path / "phone.png").stat().st_size > 10_000
    assert problems == []
    print(f"\nscreenshots: {tmp_path / 'desktop.png'} {tmp_path / 'phone.png'}")
