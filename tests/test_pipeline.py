"""Pipeline details that cross stages: report locations for quoted keys."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import config_yaml, write


def test_location_of_a_key_with_a_dot(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        tmp_path,
        {
            "driftwatch.yaml": config_yaml("- {name: e2e, kind: test-config, files: [s.yaml]}"),
            "s.yaml": "first: 1\nservices:\n  api.url: https://a.example\n",
        },
    )
    assert cli("baseline", "update", cwd=tmp_path).code == 0
    (tmp_path / "s.yaml").write_text("first: 1\nservices:\n  api.url: https://b.example\n")
    [finding] = json.loads(cli("check", "-f", "json", cwd=tmp_path).out)["findings"]
    assert finding["address"] == 'e2e/s.yaml:services."api.url"'
    assert finding["location"] == "s.yaml:3"
