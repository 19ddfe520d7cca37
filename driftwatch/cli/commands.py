"""The commands. Each loads what it needs when it runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from driftwatch.cli.state import CURRENT, global_options, say
from driftwatch.severity import SEVERITIES

if TYPE_CHECKING:
    from driftwatch.collectors.base import Progress
    from driftwatch.config import LoadedConfig
    from driftwatch.model import Result
    from driftwatch.pipeline import CollectOptions
    from driftwatch.severity import Severity
    from driftwatch.shard import Shard

FORMAT_NAMES = ("text", "markdown", "html", "json", "sarif", "junit", "github")  # kept equal to RENDERERS by a test
_format_option = click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    type=click.Choice(FORMAT_NAMES),
    help="Output format (repeatable). Without --output the format goes to stdout.",
)
_output_options = [
    click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write one format here.",
    ),
    click.option(
        "--output-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write each format as driftwatch.EXT here.",
    ),
]


_verdict_options = [
    click.option(
        "--fail-on",
        type=click.Choice(SEVERITIES),
        default="low",
        show_default=True,
        help="Lowest severity that makes the run exit 1.",
    ),
    click.option(
        "--exit-code/--no-exit-code",
        default=True,
        show_default=True,
        help="Off: drift exits 0 (report-only cron jobs); errors still exit 2.",
    ),
]
_delivery_options = [
    click.option(
        "--history",
        "history_path",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="PATH",
        help="Record this run in a SQLite store; findings get first_seen, reports say what is new and resolved.",
    ),
    click.option(
        "--notify",
        "notify_urls",
        multiple=True,
        metavar="URL",
        help="Slack-compatible webhook (repeatable): posted when findings changed, or the run could not check.",
    ),
]


def _collect_options(progress: Progress, concurrency: int | None = None, shard: Shard | None = None) -> CollectOptions:
    from driftwatch.pipeline import CollectOptions

    skip = frozenset({"probe"}) if CURRENT.no_probes else frozenset()
    return CollectOptions(concurrency=concurrency, progress=progress, skip_kinds=skip, shard=shard)


def _load() -> LoadedConfig:
    from driftwatch.config import config_from_env_or_search

    return config_from_env_or_search(CURRENT.config)


@click.command()
@_format_option
@_output_options[0]
@_output_options[1]
@_verdict_options[0]
@_verdict_options[1]
@click.option(
    "--from-snapshot",
    type=click.Path(exists=True, path_type=Path),
    metavar="DIR",
    help="Check a saved snapshot instead of live APIs (offline, reproducible).",
)
@click.option("--concurrency", type=click.IntRange(1, 256), help="Concurrent API calls per collector.")
@_delivery_options[0]
@_delivery_options[1]
@click.option(
    "--shard",
    "shard_spec",
    metavar="I/N",
    help="Check share I (0-based) of N; `driftwatch merge` joins the shares. "
    "Default in a Cloud Run Job: CLOUD_RUN_TASK_INDEX/CLOUD_RUN_TASK_COUNT.",
)
@global_options
def check(
    formats: tuple[str, ...],
    output: Path | None,
    output_dir: Path | None,
    fail_on: Severity,
    exit_code: bool,
    from_snapshot: Path | None,
    concurrency: int | None,
    history_path: Path | None,
    notify_urls: tuple[str, ...],
    shard_spec: str | None,
) -> int:
    """Collect live state, diff against baselines, run checks; print and write reports."""
    from driftwatch import pipeline
    from driftwatch.cli.progress import collecting

    loaded = _load()
    shard = _shard(shard_spec)
    if shard is not None and (history_path is not None or notify_urls):
        raise click.UsageError("--history and --notify belong on `driftwatch merge`, which sees every shard")
    with collecting() as progress:
        options = _collect_options(progress, concurrency, shard)
        result = pipeline.check(loaded, from_snapshot=from_snapshot, options=options)
    return _deliver(result, formats, output, output_dir, fail_on, exit_code, history_path, notify_urls, loaded)


def _shard(spec: str | None) -> Shard | None:
    import os

    from driftwatch.shard import parse_shard, shard_from_env

    if spec is not None:
        return parse_shard(spec, os.environ)
    return shard_from_env(os.environ)


def _deliver(
    result: Result,
    formats: tuple[str, ...],
    output: Path | None,
    output_dir: Path | None,
    fail_on: Severity,
    exit_code: bool,
    history_path: Path | None,
    notify_urls: tuple[str, ...],
    loaded: LoadedConfig,
) -> int:
    """What `check` and `merge` do with a result: history, reports, job summary, alerts, exit code."""
    from driftwatch.cli.output import emit
    from driftwatch.cli.output import exit_code as code_for

    if history_path is not None:
        from driftwatch.delivery.history import record

        result = record(history_path, result)
    stem = "driftwatch"
    if result.shard is not None:
        from driftwatch.shard import file_stem

        stem = file_stem(result.shard.index, result.shard.count)
    emit(result, formats, output, output_dir, stem=stem, reports_dir=loaded.reports_dir)
    _step_summary(result)
    if notify_urls:
        from driftwatch.delivery.notify import notify

        for problem in notify(notify_urls, result):
            click.echo(f"driftwatch: warning: {problem}", err=True)
    return code_for(result, fail_on, exit_code)


def _step_summary(result: Result) -> None:
    """In GitHub Actions, append the Markdown report to the job summary page."""
    import os

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from driftwatch.cli.output import render

    with open(target, "a", encoding="utf-8") as summary:  # the protocol is append, not replace
        summary.write(render(result, "markdown") + "\n")


@click.group()
def baseline() -> None:
    """Manage the checked-in baselines (expected state)."""


@baseline.command("update")
@click.argument("globs", nargs=-1, metavar="[ADDRESS-GLOB]...")
@click.option(
    "--from-snapshot",
    type=click.Path(exists=True, path_type=Path),
    metavar="DIR",
    help="Take the state from a snapshot instead of live APIs.",
)
@global_options
def baseline_update(globs: tuple[str, ...], from_snapshot: Path | None) -> int:
    """Record live state as the new baselines: all, or only what matches the globs.

    A glob with a path (SOURCE/RESOURCE:PATH) accepts only those values.
    """
    from driftwatch.baseline_update import update_baselines
    from driftwatch.cli.progress import collecting

    loaded = _load()
    with collecting() as progress:
        report = update_baselines(loaded, [*globs], from_snapshot=from_snapshot, options=_collect_options(progress))
    for line in report.lines:
        say(line, err=False)
    for line in report.problems:
        click.echo(f"driftwatch: {line}", err=True)
    return 2 if report.problems else 0


@click.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR")
@global_options
def snapshot(out: Path) -> int:
    """Write the normalised live state (fingerprints, never plaintext) to DIR."""
    from driftwatch import pipeline
    from driftwatch.cli.progress import collecting
    from driftwatch.fingerprint import load_fingerprinter
    from driftwatch.snapshot import write_snapshot

    loaded = _load()
    fingerprint = load_fingerprinter(loaded.baselines_dir)
    with collecting() as progress:
        taken = pipeline.collect(loaded, fingerprint, _collect_options(progress))
    path = write_snapshot(out, taken)
    say(f"wrote {path}: {len(taken.resources)} resources, {len(taken.not_checked)} not checked")
    for entry in taken.not_checked:
        say(f"  not checked: {entry.source}/{entry.resource}: {entry.reason}")
    return 0


@click.command()
@click.argument("result_file", type=click.Path(dir_okay=False, path_type=Path), metavar="RESULT.json")
@_format_option
@_output_options[0]
@_output_options[1]
@global_options
def report(result_file: Path, formats: tuple[str, ...], output: Path | None, output_dir: Path | None) -> int:
    """Re-render a saved JSON result in any format."""
    from driftwatch.cli.output import emit
    from driftwatch.result_io import read_result

    emit(read_result(result_file), formats or ("text",), output, output_dir)
    return 0


@click.command()
@click.argument(
    "result_files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="RESULT.json|FOLDER..."
)
@_format_option
@_output_options[0]
@_output_options[1]
@_verdict_options[0]
@_verdict_options[1]
@_delivery_options[0]
@_delivery_options[1]
@global_options
def merge(
    result_files: tuple[Path, ...],
    formats: tuple[str, ...],
    output: Path | None,
    output_dir: Path | None,
    fail_on: Severity,
    exit_code: bool,
    history_path: Path | None,
    notify_urls: tuple[str, ...],
) -> int:
    """Join the JSON results of `check --shard I/N` (every I) into one run, judged as a whole.

    A folder stands for the driftwatch-shard-*.json that `check --output-dir` wrote in it. Checks
    that no shard is missing, doubled or from another run, then evaluates every share together
    with the config and baselines, so checks spanning shards are judged; options as for `check`.
    """
    from driftwatch.merge import merge_results

    loaded = _load()
    result = merge_results(loaded, result_files)
    return _deliver(result, formats, output, output_dir, fail_on, exit_code, history_path, notify_urls, loaded)


@click.command()
@global_options
def schema() -> int:
    """Print the JSON Schema of driftwatch.yaml (for editors and CI validation)."""
    from driftwatch.config import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
    return 0


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@global_options
def rules(fmt: str) -> int:
    """List the rule catalog (markdown: the README's table)."""
    from driftwatch.rules import RULES, catalog_markdown

    entries = [rule.catalog_entry() for rule in RULES.values()]
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2))
    elif fmt == "markdown":
        click.echo(catalog_markdown(), nl=False)
    else:
        for entry in entries:
            click.echo(f"{entry['id']:<36} {entry['severity']:<8} {entry['description']}")
    return 0


@click.command()
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Where demo.{md,html,json} are written.",
)
@_verdict_options[0]
@global_options
def demo(output_dir: Path, fail_on: Severity) -> int:
    """Run the main job on the bundled staging environment; no cloud account needed."""
    from driftwatch.cli.output import emit
    from driftwatch.cli.output import exit_code as code_for
    from driftwatch.cli.progress import collecting
    from driftwatch.demo import run_demo

    with collecting() as progress:
        result = run_demo(progress)
    emit(result, ("markdown", "html", "json"), None, output_dir, stem="demo")
    return code_for(result, fail_on, True)


@click.command()
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="YAML of secrets (with versions and payloads) and services. Default: the demo's.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback only).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port.")
@click.option("--latency-ms", type=click.FloatRange(0, 60_000), default=0.0, help="Delay every answer.")
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of answers that are 429/503.")
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, help="Most items per list page.")
@global_options
def emulator(
    state_file: Path | None, host: str, port: int, latency_ms: float, fault_rate: float, page_size: int
) -> int:
    """Serve Secret Manager and Cloud Run (the subset driftwatch reads) from a state file.

    Prints the environment that points driftwatch (or any official client) at it, then
    serves until interrupted. With -v every request is logged on stderr.
    """
    from driftwatch.demo import STATE_FILE
    from driftwatch.emulator import Emulator, load_state
    from driftwatch.emulator.server import require_loopback

    require_loopback(host)
    knobs = {"latency_s": latency_ms / 1000, "fault_rate": fault_rate, "max_page_size": page_size}
    server = Emulator(load_state(state_file or STATE_FILE), host=host, port=port, **knobs)
    if CURRENT.verbose:
        server.on_request = lambda r: click.echo(f"{r.method} {r.path} -> {r.status}", err=True)
    for name, value in server.env().items():
        click.echo(f"export {name}={value}")
    say(f"driftwatch emulator on http://{server.host}; Ctrl-C stops it")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


@click.command()
@click.argument("failures", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--result",
    "result_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="RESULT.json",
    help="Findings to explain with (a saved `check -f json`). Default: run the check now.",
)
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@global_options
def explain(failures: tuple[Path, ...], result_file: Path | None, fmt: str) -> int:
    """Say which findings explain failing tests (JUnit XML reports or text files)."""
    from driftwatch.triage import explain as triage
    from driftwatch.triage import read_failures

    if result_file is not None:
        from driftwatch.result_io import read_result

        result = read_result(result_file)
    else:
        from driftwatch import pipeline
        from driftwatch.collectors.base import NoProgress

        result = pipeline.check(_load(), options=_collect_options(NoProgress()))
    explanations = triage([f for path in failures for f in read_failures(path)], result)
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "test": e.failure.name,
                        "label": e.label,
                        "explained": bool(e.findings),
                        "findings": [{"id": f.id, "rule": f.rule, "address": f.address} for f in e.findings],
                    }
                    for e in explanations
                ],
                indent=2,
            )
        )
        return 0
    for e in explanations:
        click.echo(f"{e.failure.name}\n  {e.label}")
        for finding in e.findings[:3]:
            click.echo(f"    [{finding.severity}] {finding.rule} {finding.address}")
            for command in finding.commands[:1]:
                click.echo(f"      $ {command}")
    return 0


@click.command()
@click.argument("address", metavar="ADDRESS-GLOB")
@click.option("--reason", required=True, help="Why this drift is accepted (reviewers read it).")
@global_options
def ignore(address: str, reason: str) -> int:
    """Accept drift at ADDRESS-GLOB for good: append an `ignore` entry to driftwatch.yaml."""
    from driftwatch.config_edit import add_ignore

    loaded = _load()
    if add_ignore(loaded, address, reason):
        say(f"{loaded.path}: ignoring {address}")
    else:
        say(f"{loaded.path}: {address} is ignored already")
    return 0


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH")
@click.option("--runs", type=click.IntRange(1, 1000), default=30, show_default=True, help="How many recent runs.")
@global_options
def history(path: Path, runs: int) -> int:
    """Print the trend of open findings per severity across recorded runs."""
    from driftwatch.delivery.history import trend
    from driftwatch.severity import SEVERITIES

    points = trend(path, runs)
    click.echo(f"{'run':<22}" + "".join(f"{s:>10}" for s in SEVERITIES) + "   total")
    for point in points:
        counts = point.findings.model_dump()
        flag = "  (incomplete: not everything was read)" if point.errored else ""
        cells = "".join(f"{counts[s]:>10}" for s in SEVERITIES)
        click.echo(f"{point.generated_at:<22}{cells}{sum(counts.values()):>8}{flag}")
    totals = [sum(p.findings.model_dump().values()) for p in points]
    if totals:
        click.echo("trend: " + _sparkline(totals))
    return 0


def _sparkline(values: list[int]) -> str:
    bars = "▁▂▃▄▅▆▇█"
    top = max(values) or 1
    return "".join(bars[min(len(bars) - 1, v * (len(bars) - 1) // top)] for v in values)


@click.command()
@click.argument("result_file", type=click.Path(dir_okay=False, path_type=Path), metavar="RESULT.json")
@click.option("--repo", required=True, metavar="OWNER/NAME", help="The repository of the pull request.")
@click.option("--pr", required=True, type=click.IntRange(1), help="The pull request number.")
@click.option("--tag", help="Marker name, so several configs can each keep a comment (default: the project).")
@click.option(
    "--behavior",
    type=click.Choice(["update", "new", "delete-and-new", "hide-and-new"]),
    default="update",
    show_default=True,
    help="Edit our comment in place, add one per run, or replace it (deleting or hiding the old).",
)
@click.option("--delete-when-clean", is_flag=True, help="No drift: delete our comment instead of saying so.")
@click.option("--details-url", metavar="URL", help="Linked when findings are trimmed to fit GitHub's limit.")
@click.option(
    "--api-url", default="https://api.github.com", show_default=True, help="GitHub Enterprise: https://HOST/api/v3"
)
@click.option("--graphql-url", metavar="URL", help="Default: derived from --api-url (used by hide-and-new).")
@click.option("--token-env", default="GITHUB_TOKEN", show_default=True, help="Environment variable holding the token.")
@click.option("--dry-run", is_flag=True, help="Print the body; send nothing.")
@global_options
def comment(
    result_file: Path,
    repo: str,
    pr: int,
    tag: str | None,
    behavior: str,
    delete_when_clean: bool,
    details_url: str | None,
    api_url: str,
    graphql_url: str | None,
    token_env: str,
    dry_run: bool,
) -> int:
    """Create or update one sticky PR comment with a result (CONTRACT section 2)."""
    import os

    from driftwatch.delivery.github_comment import DeliveryError, GitHub, comment_body, post_comment
    from driftwatch.result_io import read_result

    if repo.count("/") != 1 or not all(repo.split("/")):
        raise click.BadParameter("give OWNER/NAME", param_hint="--repo")
    result = read_result(result_file)
    marker_tag = tag or result.project or "driftwatch"
    body = comment_body(result, marker_tag, details_url=details_url)
    if dry_run:
        click.echo(body, nl=False)
        return 0
    token = os.environ.get(token_env, "")
    if not token:
        raise DeliveryError(f"no token: {token_env} is not set", hint="export a token with pull-requests: write")
    github = GitHub(api_url, token, graphql_url)
    try:
        outcome = post_comment(
            github,
            repo,
            pr,
            body,
            marker_tag,
            behavior=behavior,  # type: ignore[arg-type]
            delete_when_clean=delete_when_clean,
            clean=not result.findings and not result.has_not_checked,
        )
    finally:
        github.close()
    say(f"comment {outcome.action}" + (f": {outcome.url}" if outcome.url else ""))
    return 0


@click.command()
@global_options
def probes() -> int:
    """List what the probes would contact (a dry run: nothing is contacted)."""
    from driftwatch.collectors.probe import ProbeSettings, public_target, variables

    loaded = _load()
    listed = 0
    for settings in loaded.collectors:
        if not isinstance(settings, ProbeSettings):
            continue
        for probe in settings.probes:
            listed += 1
            uses = ", ".join(f"${{{name}}}" for name in variables(probe))
            click.echo(
                f"{settings.name}/{probe.name:<20} {probe.kind:<9} {public_target(probe)}"
                + (f"  (sends {uses} from the environment)" if uses else "")
            )
    if not listed:
        say("no probes configured")
    return 0


COMMANDS = [
    check,
    merge,
    baseline,
    snapshot,
    report,
    schema,
    rules,
    demo,
    emulator,
    explain,
    ignore,
    history,
    comment,
    probes,
]
