"""Acceptance: the HTML report is self-contained and escapes hostile values."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import config_yaml, write

XSS = "<script>alert(1)</script>"


def test_html_is_self_contained_and_escapes(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [settings.yaml]}"),
            "settings.yaml": "title: before\nurl: https://api.example\n",
        },
    )
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    (tmp_path / "settings.yaml").write_text(f"title: '{XSS}'\nurl: https://api.example\n\"{XSS}\": 1\n")
    run = cli("check", "--format", "html", cwd=tmp_path)
    assert run.code == 1
    html = run.out
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # No resource is loaded from anywhere: no src/href/url()/@import pointing at a URL.
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I)
    assert "@import" not in html
    assert html.count("<script>") == 1  # only our own inline filter script
    assert 'name="viewport"' in html and "@media (max-width" in html  # phone-readable layout
    assert 'data-severity="medium"' in html  # the filter has something to act on


def test_html_template_itself_references_no_url() -> None:
    template = Path(__file__).resolve().parents[2] / "driftwatch" / "renderers" / "templates" / "report.html.j2"
    text = template.read_text()
    assert "http://" not in text and "https://" not in text
