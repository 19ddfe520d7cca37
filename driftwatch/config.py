"""driftwatch.yaml: pydantic models and loading with file:line errors.

Errors never echo a value from the file (it might be a secret): they name the file, the
line, the key path, what was expected and, for unknown keys, the nearest valid one.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from driftwatch import yamlio
from driftwatch.address import AddressGlob
from driftwatch.collectors import COLLECTORS
from driftwatch.collectors.base import CollectorSettings, RetryPolicy
from driftwatch.errors import AddressError, ConfigError
from driftwatch.expressions import parse_requirement
from driftwatch.fsutil import read_text_capped
from driftwatch.severity import Severity

CONFIG_NAME = "driftwatch.yaml"
PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
PROJECT_PATTERN = re.compile(r"[a-z0-9*?-]{1,30}")  # a glob over project IDs: `team-*-staging`, `*`


def is_project_glob(entry: str) -> bool:
    return "*" in entry or "?" in entry


MAX_CONFIG_BYTES = 2_000_000

if TYPE_CHECKING:
    AnyCollector = CollectorSettings
else:
    AnyCollector = Annotated[
        Union[tuple(spec.settings for spec in COLLECTORS.values())],  # noqa: UP007
        Field(discriminator="kind"),
    ]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IgnoreRule(_Strict):
    path: str = Field(description="address glob never reported as drift (SOURCE/RESOURCE:PATH)")
    reason: str = Field(min_length=1, description="why this is not drift; shown in reports")

    @field_validator("path")
    @classmethod
    def _valid_glob(cls, value: str) -> str:
        _parse_glob(value)
        return value

    @property
    def glob(self) -> AddressGlob:
        return AddressGlob.parse(self.path)


class Check(_Strict):
    name: str = Field(min_length=1)
    description: str | None = None
    equal: list[str] | None = Field(None, min_length=2, description="addresses whose values must all be equal")
    require: str | None = Field(None, description='"ADDRESS OP VALUE", e.g. "cloud-run/api:template.timeout >= 3600s"')
    severity: Severity = "high"

    @model_validator(mode="after")
    def _one_kind(self) -> Check:
        if (self.equal is None) == (self.require is None):
            raise ValueError("a check needs exactly one of `equal` or `require`")
        for address in self.equal or []:
            _parse_glob(address)
        if self.require is not None:
            _parse_glob(parse_requirement(self.require).address)
        return self


class RateLimits(_Strict):
    secretmanager_read: int = Field(600, ge=1, description="read requests per minute per project")
    secretmanager_access: int = Field(90_000, ge=1, description="access requests per minute per project")
    run_read: int = Field(1000, ge=1, description="Cloud Run read requests per minute per project")
    burst: int = Field(20, ge=1, description="requests a quota may spend at once before pacing starts")


class Retries(_Strict):
    """How hard to try before a resource is NOT_CHECKED; a pre-deploy gate may want it short."""

    attempts: int = Field(8, ge=1, le=20, description="tries per call on 429, 5xx and connection errors")
    initial_backoff_s: float = Field(0.2, ge=0, le=60, description="first backoff; doubles, with full jitter")
    max_backoff_s: float = Field(8.0, ge=0, le=300)
    timeout_s: float = Field(30.0, gt=0, le=600, description="deadline of one attempt")
    deadline_s: float = Field(120.0, gt=0, le=3600, description="deadline of all attempts of one call")

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.attempts,
            initial_s=self.initial_backoff_s,
            maximum_s=self.max_backoff_s,
            timeout_s=self.timeout_s,
            deadline_s=self.deadline_s,
        )


class Config(_Strict):
    version: Literal[1]
    project: str | None = Field(None, description="default GCP project for every collector")
    projects: list[str] | None = Field(
        None,
        min_length=1,
        description="check every one of these projects: each Google Cloud collector without its own `project` "
        "runs once per project, as source NAME.PROJECT (baselines/NAME.PROJECT/...). An entry with * or ? "
        "is a glob over the ACTIVE projects the credentials can see (Resource Manager projects.search)",
    )
    region: str | None = Field(None, description="default Cloud Run region")
    baselines: str = Field("baselines", description="folder of checked-in expected state")
    reports: str = Field("reports", description="where reports and history go")
    concurrency: int = Field(16, ge=1, le=256)
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    retries: Retries = Field(default_factory=Retries)
    collectors: list[AnyCollector] = Field(min_length=1)
    ignore: list[IgnoreRule] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)

    @field_validator("projects")
    @classmethod
    def _project_ids(cls, projects: list[str] | None) -> list[str] | None:
        for index, project in enumerate(projects or []):
            if is_project_glob(project):
                if not PROJECT_PATTERN.fullmatch(project):
                    raise ValueError(f"entry {index} is not a glob over project IDs (a-z, 0-9, -, * and ?)")
            elif not PROJECT_ID.fullmatch(project):
                raise ValueError(f"entry {index} is not a project ID (6-30 of a-z, 0-9 and -, starting with a letter)")
        if projects and len(set(projects)) != len(projects):
            raise ValueError("a project is listed twice")
        return projects

    @property
    def project_globs(self) -> list[str]:
        """The `projects` entries that are resolved by listing projects, not named."""
        return [p for p in self.projects or [] if is_project_glob(p)]

    @property
    def named_projects(self) -> list[str]:
        return [p for p in self.projects or [] if not is_project_glob(p)]

    def expanded_collectors(self, projects: Sequence[str] | None = None) -> list[CollectorSettings]:
        """The collectors a run has: with `projects`, one copy per project of every Google Cloud
        collector that names no `project` of its own, so each project has its own source and baselines.
        `projects` is the resolved list when the config has globs (else its named projects)."""
        chosen = list(projects) if projects is not None else self.named_projects
        expanded: list[CollectorSettings] = []
        for collector in self.collectors:
            if self._per_project(collector):
                expanded += [
                    collector.model_copy(update={"name": f"{collector.name}.{project}", "project": project})
                    for project in chosen
                ]
            else:
                expanded.append(collector)
        return expanded

    def per_project_collectors(self) -> list[str]:
        """Names of the collectors that `projects` multiplies (their sources are NAME.PROJECT)."""
        return [c.name for c in self.collectors if self._per_project(c)]

    def _per_project(self, collector: CollectorSettings) -> bool:
        """A Google Cloud collector naming no `project` of its own, in a config with `projects`."""
        return bool(self.projects) and getattr(collector, "project", 0) is None  # 0: the kind has no `project`

    @model_validator(mode="after")
    def _expanded_names_unique(self) -> Config:
        names = [c.name for c in self.expanded_collectors()]
        clash = next((name for name in names if names.count(name) > 1), None)
        if clash is not None:
            raise ValueError(f"`projects` makes a second collector named {clash!r}; rename the other one")
        return self

    @field_validator("collectors")
    @classmethod
    def _unique_names(cls, collectors: list[CollectorSettings]) -> list[CollectorSettings]:
        seen: set[str] = set()
        for collector in collectors:
            if collector.name in seen:
                raise ValueError(f"two collectors are named {collector.name!r}; names must be unique")
            seen.add(collector.name)
        return collectors


class LoadedConfig:
    """A validated config plus where it came from (paths inside it are relative to it)."""

    def __init__(self, config: Config, path: Path, projects: Sequence[str] | None = None) -> None:
        self.config = config
        self.path = path
        self.dir = path.parent
        self.projects = tuple(projects) if projects is not None else None  # resolved `projects` globs
        self._collectors = config.expanded_collectors(projects)

    @property
    def discovers_projects(self) -> bool:
        """`projects` has globs, and they have not been resolved into project IDs yet."""
        return bool(self.config.project_globs) and self.projects is None

    def with_projects(self, projects: Sequence[str]) -> LoadedConfig:
        """This config with its `projects` globs resolved (the named projects included)."""
        return LoadedConfig(self.config, self.path, sorted(set(projects)))

    @property
    def collectors(self) -> list[CollectorSettings]:
        """Every collector of a run (`projects` expanded); use this, not `config.collectors`."""
        return self._collectors

    @property
    def baselines_dir(self) -> Path:
        return (self.dir / self.config.baselines).resolve()

    @property
    def reports_dir(self) -> Path:
        return (self.dir / self.config.reports).resolve()

    @property
    def ignore_globs(self) -> list[AddressGlob]:
        return [rule.glob for rule in self.config.ignore]


def _parse_glob(text: str) -> AddressGlob:
    try:
        return AddressGlob.parse(text)
    except AddressError as exc:
        raise ValueError(f"not an address: {exc.message}; {exc.hint}") from None


def find_config(explicit: str | None, start: Path | None = None) -> Path:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file", hint="check the --config path")
        return path
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {CONFIG_NAME} in {here} or any parent folder",
        hint="pass --config PATH, or run `driftwatch demo` to see a working setup",
    )


def load_config(path: Path) -> LoadedConfig:
    text = read_text_capped(path, MAX_CONFIG_BYTES, ConfigError, hint="is this really driftwatch.yaml?")
    return LoadedConfig(validate_text(text, path), path.resolve())


def validate_text(text: str, path: Path) -> Config:
    """The config in `text` (as if read from `path`), or a one-line ConfigError naming the place."""
    try:
        loaded = yamlio.load(text)
    except yamlio.YamlProblem as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise ConfigError(f"{where}: {exc.message}", hint="fix the YAML syntax") from None
    if not isinstance(loaded.data, dict):
        raise ConfigError(f"{path}:1: the config must be a mapping", hint="start from `version: 1`")
    try:
        return Config.model_validate(loaded.data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, loaded)) from None


def config_from_env_or_search(explicit: str | None) -> LoadedConfig:
    return load_config(find_config(explicit or os.environ.get("DRIFTWATCH_CONFIG")))


# -- error messages ---------------------------------------------------------------------------

_SAFE_TO_ECHO = {"kind", "version"}


def _describe(exc: ValidationError, path: Path, loaded: yamlio.LoadedYaml) -> str:
    """One line for the first error; counts the rest. Never includes the input value."""
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    loc = _data_loc(first["loc"], loaded.data)
    line = loaded.line_of(loc)
    where = f"{path}:{line}" if line else str(path)
    key_path = _format_loc(loc) or "(top level)"
    message = _explain(first, loc, loaded.data)
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{where}: {key_path}: {message}{more}"


def _explain(error: Any, loc: yamlio.Loc, data: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(loc[-1])
        suggestion = difflib.get_close_matches(key, sorted(_known_keys()), n=1, cutoff=0.6)
        hint = f"; did you mean {suggestion[0]!r}?" if suggestion else "; remove it"
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        expected = sorted(COLLECTORS)
        close = difflib.get_close_matches(tag, expected, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown collector kind {tag!r}; expected one of {', '.join(expected)}{hint}"
    if kind == "union_tag_not_found":
        return f"missing `kind`; expected one of {', '.join(sorted(COLLECTORS))}"
    actual = _value_at(data, loc)
    got = f" (got {_type_name(actual)})" if actual is not _MISSING and kind != "value_error" else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    if loc and str(loc[-1]) in _SAFE_TO_ECHO and isinstance(actual, str | int) and len(str(actual)) < 40:
        got = f" (got {actual!r})"
    return f"{message}{got}"


_MISSING = object()


def _step(node: Any, part: str | int) -> Any:
    """One step into YAML data, or _MISSING."""
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def _data_loc(loc: tuple[Any, ...], data: Any) -> yamlio.Loc:
    """Map pydantic's loc onto the YAML data, dropping discriminator tags it inserts."""
    result: list[str | int] = []
    node = data
    for part in loc:
        child = _step(node, part)
        if child is _MISSING and isinstance(node, dict) and node.get("kind") == part:
            continue  # the union tag pydantic adds for discriminated unions
        result.append(part)
        node = None if child is _MISSING else child
    return tuple(result)


def _value_at(data: Any, loc: yamlio.Loc) -> Any:
    node = data
    for part in loc:
        node = _step(node, part)
        if node is _MISSING:
            break
    return node


def _format_loc(loc: yamlio.Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def _known_keys() -> set[str]:
    models: list[type[BaseModel]] = [
        Config,
        IgnoreRule,
        Check,
        RateLimits,
        *(s.settings for s in COLLECTORS.values()),
    ]
    keys: set[str] = set()
    for model in models:
        keys.update(model.model_fields)
    return keys


def json_schema() -> dict[str, Any]:
    """The JSON Schema of driftwatch.yaml, generated from the models (for editors and CI)."""
    schema = Config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "driftwatch.yaml"
    return schema
