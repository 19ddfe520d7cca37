"""Which projects a `projects:` glob stands for: Resource Manager's projects.search, once a run.

The only module importing google.cloud.resourcemanager_v3. Discovery fails closed: if the
projects cannot be listed the run stops with one line (exit 2) rather than check fewer
projects than the config names. A project that has baselines and matches a glob is checked
even when the listing no longer shows it, so a deleted or hidden project turns into findings
(its resources REMOVED or NOT_CHECKED), never into silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from driftwatch.collectors.base import CollectContext
from driftwatch.collectors.gcp import PAGE_SIZE, Api, ApiCaller, GcpFailure, iter_pages, make_client
from driftwatch.errors import CollectError

RESOURCE_MANAGER = Api("resourcemanager", "Resource Manager", "RESOURCE_MANAGER_EMULATOR_HOST", "roles/browser")
READ = "resourcemanager_read"
ACTIVE_ONLY = "state:ACTIVE"  # projects pending deletion serve no traffic; their baselines still count


def discover_projects(
    globs: Sequence[str], named: Iterable[str], baselined: Iterable[str], ctx: CollectContext
) -> list[str]:
    """The named projects, the visible ACTIVE projects matching a glob, and the baselined ones
    matching a glob; sorted."""
    try:
        visible = _search(ctx)
    except GcpFailure as failure:
        raise CollectError(
            f"projects {', '.join(globs)}: cannot list the projects to match: {failure.reason}",
            hint="grant roles/browser where the projects live, or name the projects instead of a glob",
        ) from None
    matching = {p for p in {*visible, *baselined} if any(fnmatchcase(p, glob) for glob in globs)}
    return sorted(matching | set(named))


def _search(ctx: CollectContext) -> set[str]:
    from google.cloud import resourcemanager_v3

    client = make_client(RESOURCE_MANAGER, ctx, resourcemanager_v3.ProjectsClient)
    caller = ApiCaller(RESOURCE_MANAGER, ctx, "projects", "-")  # the quota is the caller's, not a project's
    request = {"query": ACTIVE_ONLY, "page_size": PAGE_SIZE}
    return {
        str(p.project_id)
        for page in iter_pages(caller, READ, request, client.search_projects, "projects")
        for p in page
    }
