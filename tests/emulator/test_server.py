"""The emulator answers the official clients (REST transport, real HTTP) the way Google does."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

import google_crc32c
import pytest
from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import run_v2, secretmanager

from driftwatch.emulator import Emulator, state_from_dict
from tests.conftest import gcp_state, secret, service


def clients(server: Emulator) -> tuple[Any, Any]:
    options = ClientOptions(api_endpoint=f"http://{server.host}")
    sm = secretmanager.SecretManagerServiceClient(
        transport="rest", client_options=options, credentials=AnonymousCredentials()
    )
    run = run_v2.ServicesClient(transport="rest", client_options=options, credentials=AnonymousCredentials())
    return sm, run


@pytest.fixture
def server() -> Any:
    state = gcp_state(
        [
            secret(f"app-{i}", ("ENABLED", f"value-{i}"), labels={"env": "prod" if i % 2 else "staging"})
            for i in range(7)
        ]
        + [
            secret(
                "rotated",
                ("DESTROYED", "one"),
                ("ENABLED", "two"),
                ("DISABLED", "three"),
                versionAliases={"stable": "2", "old": "1"},
            )
        ],
        [service(f"svc-{i}") for i in range(5)],
    )
    with Emulator(state_from_dict(state), max_page_size=3) as running:
        yield running


def test_lists_page_with_tokens_the_clients_follow(server: Emulator) -> None:
    sm, run = clients(server)
    names = [s.name.rsplit("/", 1)[-1] for s in sm.list_secrets(parent="projects/demo-proj")]
    assert names == sorted(names) and len(names) == 8
    services = [s.name.rsplit("/", 1)[-1] for s in run.list_services(parent="projects/demo-proj/locations/us-central1")]
    assert services == [f"svc-{i}" for i in range(5)]
    listing = [r for r in server.requests if r.path == "/v1/projects/demo-proj/secrets"]
    assert len(listing) == 3  # 3 + 3 + 2
    assert "pageToken" not in listing[0].query and all("pageToken" in r.query for r in listing[1:])


def test_a_page_token_only_continues_its_own_listing(server: Emulator) -> None:
    sm, _ = clients(server)
    first = sm.list_secrets(request={"parent": "projects/demo-proj", "page_size": 2})
    token = first.next_page_token
    with pytest.raises(gexc.BadRequest):
        sm.list_secret_versions(request={"parent": "projects/demo-proj/secrets/rotated", "page_token": token})


def test_filter_by_label_and_name(server: Emulator) -> None:
    sm, _ = clients(server)
    request = {"parent": "projects/demo-proj", "filter": "labels.env=prod AND (name:app-1 OR name:app-3)"}
    assert [s.name.rsplit("/", 1)[-1] for s in sm.list_secrets(request=request)] == ["app-1", "app-3"]
    with pytest.raises(gexc.BadRequest):
        list(sm.list_secrets(request={"parent": "projects/demo-proj", "filter": "create_time>2020"}))


def test_latest_is_the_newest_version_whatever_its_state(server: Emulator) -> None:
    sm, _ = clients(server)
    base = "projects/demo-proj/secrets/rotated/versions"
    with pytest.raises(gexc.BadRequest) as info:  # over REST: BadRequest, status in the body
        sm.access_secret_version(name=f"{base}/latest")
    assert info.value.response.json()["error"]["status"] == "FAILED_PRECONDITION"
    assert sm.get_secret_version(name=f"{base}/latest").name.endswith("/versions/3")
    stable = sm.access_secret_version(name=f"{base}/stable")
    assert stable.name == f"{base}/2" and stable.payload.data == b"two"
    assert stable.payload.data_crc32c == google_crc32c.value(b"two")
    with pytest.raises(gexc.BadRequest):
        sm.access_secret_version(name=f"{base}/old")  # destroyed
    with pytest.raises(gexc.NotFound):
        sm.access_secret_version(name=f"{base}/9")
    states = {
        v.name.rsplit("/", 1)[-1]: v.state.name for v in sm.list_secret_versions(parent=base[: -len("/versions")])
    }
    assert states == {"1": "DESTROYED", "2": "ENABLED", "3": "DISABLED"}


def test_errors_have_googles_json_shape(server: Emulator) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"http://{server.host}/v1/projects/demo-proj/secrets/nope")
    body = json.loads(info.value.read())
    assert body == {
        "error": {"code": 404, "message": "Secret [projects/demo-proj/secrets/nope] not found.", "status": "NOT_FOUND"}
    }


def test_denied_resources_answer_403(server: Emulator) -> None:
    sm, run = clients(server)
    server.state.deny |= {"secrets/app-1", "services/svc-2"}
    with pytest.raises(gexc.Forbidden):
        sm.access_secret_version(name="projects/demo-proj/secrets/app-1/versions/latest")
    with pytest.raises(gexc.Forbidden):
        run.get_service(name="projects/demo-proj/locations/us-central1/services/svc-2")
    assert sm.access_secret_version(name="projects/demo-proj/secrets/app-2/versions/1").payload.data == b"value-2"


def test_fault_knob_injects_429_and_503_and_logs_them(server: Emulator) -> None:
    server.knobs.fault_rate = 1.0
    statuses = set()
    for _ in range(12):
        try:
            urllib.request.urlopen(f"http://{server.host}/v1/projects/demo-proj/secrets/app-1")
        except urllib.error.HTTPError as error:
            statuses.add(error.code)
    assert statuses == {429, 503}
    assert all(r.injected for r in server.requests)


def test_payloads_travel_base64_with_crc(server: Emulator) -> None:
    with urllib.request.urlopen(f"http://{server.host}/v1/projects/demo-proj/secrets/app-4/versions/1:access") as r:
        payload = json.loads(r.read())["payload"]
    assert base64.b64decode(payload["data"]) == b"value-4"
    assert int(payload["dataCrc32c"]) == google_crc32c.value(b"value-4")
