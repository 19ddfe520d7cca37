"""Safe YAML in and out: line numbers for errors, caps against hostile input, stable output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from driftwatch.textsafe import without_lone_surrogates

MAX_NODES = 200_000  # an alias bomb expands past this long before it hurts
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: ~10x faster
Loc = tuple[str | int, ...]


class YamlProblem(Exception):
    """A YAML document is not usable; `line` is 1-based when known. Message never quotes content."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class LoadedYaml:
    data: Any
    lines: dict[Loc, int]

    def line_of(self, loc: Loc) -> int | None:
        """The line of the deepest known prefix of `loc`."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None


TOO_DEEP = "nested too deeply (a hostile or generated file?)"


def load(text: str) -> LoadedYaml:
    """Parse one YAML document with SafeLoader, recording the line of every key and item."""
    try:
        loaded = _load(text)
    except RecursionError:
        raise YamlProblem(TOO_DEEP) from None
    return LoadedYaml(without_lone_surrogates(loaded.data, text), loaded.lines)


def _load(text: str) -> LoadedYaml:
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # Only the problem description: the snippet PyYAML attaches may quote a secret.
        raise YamlProblem(f"invalid YAML: {exc.problem or exc.context}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError:
        raise YamlProblem("invalid YAML") from None
    if node is None:
        return LoadedYaml(None, {})
    lines: dict[Loc, int] = {}
    _index(node, (), lines, [0])
    loader = _LOADER("")
    try:
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise YamlProblem(f"invalid YAML: {exc.problem}", mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()
    return LoadedYaml(data, lines)


class _FastLoader(_LOADER):  # type: ignore[misc]
    """One-pass load (libyaml when present) for machine-written files such as baselines:
    duplicate keys and aliases are refused, since driftwatch never writes either."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            raise YamlProblem("YAML aliases are not allowed here", node.start_mark.line + 1)
        return super().construct_object(node, deep)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _ in node.value:
                key = str(key_node.value)
                if key in seen:
                    raise YamlProblem(f"duplicate key {key!r}", key_node.start_mark.line + 1)
                seen.add(key)
        return super().construct_mapping(node, deep)


def load_data(text: str) -> Any:
    """The data of one YAML document without a line index: about twice as fast as `load`."""
    try:
        return without_lone_surrogates(yaml.load(text, Loader=_FastLoader), text)
    except RecursionError:
        raise YamlProblem(TOO_DEEP) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlProblem(f"invalid YAML: {exc.problem or exc.context}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError:
        raise YamlProblem("invalid YAML") from None


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int], count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise YamlProblem(f"too many YAML nodes (over {MAX_NODES}; aliases expanding?)", node.start_mark.line + 1)
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen and key != "<<":
                raise YamlProblem(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            seen.add(key)
            _index(value_node, (*loc, key), lines, count)
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*loc, index), lines, count)


class _StableDumper(yaml.SafeDumper):
    """Block style, sorted keys, multi-line strings as literal blocks, no aliases: diffs read well
    in a PR, and what driftwatch writes loads with `load_data`."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_StableDumper.add_representer(str, _str_representer)


def dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_StableDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
        indent=2,
    )
