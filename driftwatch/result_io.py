"""Read a saved JSON result back (for `report` and `comment`), with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from driftwatch.errors import RenderError
from driftwatch.fsutil import read_text_capped
from driftwatch.model import Result
from driftwatch.textsafe import without_lone_surrogates

MAX_RESULT_BYTES = 200_000_000


def read_result(path: Path) -> Result:
    text = read_text_capped(
        path, MAX_RESULT_BYTES, RenderError, hint="write one with `driftwatch check --format json -o FILE`"
    )
    try:
        data = without_lone_surrogates(json.loads(text), text)
    except (json.JSONDecodeError, RecursionError):
        raise RenderError(f"{path}: not a driftwatch JSON result (invalid JSON)") from None
    try:
        return Result.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise RenderError(f"{path}: {where}: {first['msg']}", hint="is this a driftwatch/result/v1 file?") from None
