"""The JSON result (CONTRACT section 5), the input of `driftwatch report` and `comment`."""

from __future__ import annotations

import json

from driftwatch.model import Result
from driftwatch.renderers.base import Renderer, RenderOptions


def render(result: Result, options: RenderOptions) -> str:
    return json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False) + "\n"


RENDERER = Renderer("json", "json", "machine-readable result (driftwatch/result/v1)", render)
