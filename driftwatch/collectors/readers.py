"""Readers for test-config files: each turns text into a nested document plus key lines.

Nothing is executed or imported: `.py` files are read with `ast`, `.env` with python-dotenv's
parser (never touching os.environ), the rest with safe parsers. Errors are ReaderProblem
with a line where known and never quote the file's content.
"""

from __future__ import annotations

import ast
import configparser
import datetime as dt
import io
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dotenv.parser import parse_stream

from driftwatch import yamlio
from driftwatch.address import Path, format_path

MAX_DEPTH = 64


class ReaderProblem(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Parsed:
    document: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)  # formatted path -> line
    unresolved: set[str] = field(default_factory=set)  # formatted paths whose value is not a literal


Reader = Callable[[str], Parsed]


# -- python -------------------------------------------------------------------------------------

_ENV_GETTERS = {"os.getenv", "getenv", "os.environ.get", "environ.get"}
_CASTS: dict[str, Callable[[Any], Any]] = {"int": int, "float": float, "str": str, "bool": bool}


class _Unresolved(Exception):
    pass


def read_python(text: str) -> Parsed:
    try:
        tree = ast.parse(text, type_comments=False)
    except SyntaxError as exc:
        # exc.text would quote the offending line (it may hold a secret): keep only the position.
        raise ReaderProblem(f"Python syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ReaderProblem(f"cannot parse Python ({type(exc).__name__})") from None
    parsed = Parsed({})
    _read_body(tree.body, (), parsed, {})
    return parsed


def _read_body(body: list[ast.stmt], prefix: Path, parsed: Parsed, scope: dict[str, Any]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            _read_body(stmt.body, (*prefix, stmt.name), parsed, dict(scope))
            continue
        targets: list[ast.expr]
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                _record(parsed, scope, (*prefix, target.id), value, stmt.lineno)


def _record(parsed: Parsed, scope: dict[str, Any], path: Path, node: ast.expr, line: int) -> None:
    try:
        value = _evaluate(node, scope, 0)
    except _Unresolved:
        value = {"unresolved": _expression_text(node)}
        parsed.unresolved.add(format_path(path))
    except (RecursionError, ValueError, TypeError, OverflowError):
        value = {"unresolved": "(too complex)"}
        parsed.unresolved.add(format_path(path))
    else:
        scope[path[-1]] = value
    _set(parsed.document, path, value)
    parsed.lines[format_path(path)] = line
    if isinstance(value, dict) and "unresolved" not in value:
        for key in value:
            parsed.lines.setdefault(format_path((*path, str(key))), line)


def _expression_text(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 160 else text[:157] + "..."


def _evaluate(node: ast.expr, scope: dict[str, Any], depth: int) -> Any:
    """A literal evaluator: constants, containers, env defaults, casts, +, f-strings of known names."""
    if depth > MAX_DEPTH:
        raise _Unresolved

    def recurse(child: ast.expr) -> Any:
        return _evaluate(child, scope, depth + 1)

    if isinstance(node, ast.Constant):
        if isinstance(node.value, bytes):
            raise _Unresolved
        return node.value
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [recurse(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        result: dict[str, Any] = {}
        for key, item in zip(node.keys, node.values, strict=True):
            if key is None:
                raise _Unresolved
            result[str(recurse(key))] = recurse(item)
        return result
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
        operand = recurse(node.operand)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(operand, bool) or not isinstance(operand, int | float):
            raise _Unresolved
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = recurse(node.left), recurse(node.right)
        if type(left) is type(right) and isinstance(left, str | int | float):
            return left + right
        raise _Unresolved
    if isinstance(node, ast.Name) and node.id in scope:
        return scope[node.id]
    if isinstance(node, ast.JoinedStr):
        return "".join(_format_part(part, recurse) for part in node.values)
    if isinstance(node, ast.Call):
        return _evaluate_call(node, recurse)
    raise _Unresolved


def _format_part(part: ast.expr, recurse: Callable[[ast.expr], Any]) -> str:
    if isinstance(part, ast.Constant):
        return str(part.value)
    if isinstance(part, ast.FormattedValue) and part.format_spec is None and part.conversion == -1:
        value = recurse(part.value)
        if isinstance(value, str | int | float):
            return str(value)
    raise _Unresolved


def _evaluate_call(node: ast.Call, recurse: Callable[[ast.expr], Any]) -> Any:
    name = _dotted(node.func)
    if name in _ENV_GETTERS and node.args and not node.keywords:
        # os.getenv("X", "d"): the tests use d unless X is set when they run; record d.
        return recurse(node.args[1]) if len(node.args) > 1 else None
    if name in _CASTS and len(node.args) == 1 and not node.keywords:
        value = recurse(node.args[0])
        if value is None:
            return None
        if name == "bool" and isinstance(value, str):
            raise _Unresolved
        return _CASTS[name](value)
    raise _Unresolved


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _set(document: dict[str, Any], path: Path, value: Any) -> None:
    node = document
    for segment in path[:-1]:
        child = node.get(segment)
        if not isinstance(child, dict):
            child = {}
            node[segment] = child
        node = child
    node[path[-1]] = value


# -- .env, YAML, JSON, TOML, INI -----------------------------------------------------------------


def read_dotenv(text: str) -> Parsed:
    parsed = Parsed({})
    for binding in parse_stream(io.StringIO(text)):
        line = binding.original.line
        if binding.error:
            raise ReaderProblem("cannot parse this .env line (expected KEY=VALUE)", line)
        if binding.key is None:
            continue
        parsed.document[binding.key] = binding.value
        parsed.lines[format_path((binding.key,))] = line
    return parsed


def read_yaml(text: str) -> Parsed:
    try:
        loaded = yamlio.load(text)
    except yamlio.YamlProblem as exc:
        raise ReaderProblem(exc.message, exc.line) from None
    document = _as_document(loaded.data)
    lines = {format_path(tuple(str(p) for p in loc)): line for loc, line in loaded.lines.items() if loc}
    return Parsed(document, lines)


def read_json(text: str) -> Parsed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReaderProblem(f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise ReaderProblem("JSON nested too deeply") from None
    return Parsed(_as_document(data))


def read_toml(text: str) -> Parsed:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11 puts the position only in the text: "Invalid value (at line 1, column 5)".
        position = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise ReaderProblem(f"invalid TOML: {message[:80]}", int(position.group(1)) if position else None) from None
    except RecursionError:
        raise ReaderProblem("TOML nested too deeply") from None
    return Parsed(_as_document(data))


def read_ini(text: str) -> Parsed:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep key case
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        raise ReaderProblem(f"invalid INI: {type(exc).__name__}", line) from None
    document: dict[str, Any] = {}
    for section in parser.sections():
        document[section] = dict(parser.items(section, raw=True))
    defaults = parser.defaults()
    if defaults:
        document["DEFAULT"] = dict(defaults)
    return Parsed(document)


def _as_document(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        return {"value": _jsonable(data, 0)}
    result = _jsonable(data, 0)
    assert isinstance(result, dict)
    return result


def _jsonable(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ReaderProblem(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_jsonable(v, depth + 1) for v in value]
        if items and all(isinstance(i, dict) for i in items):
            return _key_list(items)
        return items
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN never equals itself: would always drift
        return "NaN"
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _key_list(items: list[dict[str, Any]]) -> Any:
    """A list of mappings is keyed by `name` when every item has a unique one, so order is not drift."""
    names = [item.get("name") for item in items]
    if all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names):
        return {str(item["name"]): {k: v for k, v in item.items() if k != "name"} for item in items}
    return {str(index): item for index, item in enumerate(items)}


def reader_for(filename: str) -> Reader | None:
    name = filename.lower()
    if name.endswith(".py"):
        return read_python
    if name.endswith((".yaml", ".yml")):
        return read_yaml
    if name.endswith(".json"):
        return read_json
    if name.endswith(".toml"):
        return read_toml
    if name.endswith((".ini", ".cfg")):
        return read_ini
    base = name.rsplit("/", 1)[-1]
    if base == ".env" or base.startswith(".env.") or base.endswith(".env"):
        return read_dotenv
    return None
