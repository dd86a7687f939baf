"""The lifecycle commands over HTTP: each endpoint, its 409s, its 422s, its 404, its role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tocsin_incident.api_commands import commands_router
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.http.errors import install_error_handlers

from ..samples import RESPONDER_TOKEN, VIEWER_TOKEN, sample_config
from .fakes_incident import FakeWorld

CLOCK = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
AUTH = {"Authorization": f"Bearer {RESPONDER_TOKEN}"}
MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def app() -> FastAPI:
    return FastAPI()


@pytest.fixture
def client(world: FakeWorld, app: FastAPI) -> httpx.AsyncClient:
    install_error_handlers(app)
    app.include_router(commands_router(config=sample_config(), uow_factory=world.uow, clock=CLOCK))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


async def an_incident(world: FakeWorld, key: str = "k") -> str:
    alert = RawAlertV1(integration="i", service="checkout", dedup_key=key, received_at=CLOCK.now())
    await process_raw_alert(alert, identity=str(alert.alert_id), uow_factory=world.uow, clock=CLOCK)
    found = await world.incidents.open_for_key("checkout", key)
    assert found is not None
    return str(found.id)


async def post(
    client: httpx.AsyncClient, incident_id: str, action: str, body: Any = None
) -> httpx.Response:
    return await client.post(f"/v1/incidents/{incident_id}/{action}", json=body, headers=AUTH)


async def test_a_whole_lifecycle_over_http(client: httpx.AsyncClient, world: FakeWorld) -> None:
    i = await an_incident(world)
    until = (CLOCK.now() + timedelta(hours=1)).isoformat()
    steps: list[tuple[str, Any, str]] = [
        ("acknowledge", None, "acknowledged"),
        ("snooze", {"until": until}, "acknowledged"),
        ("snooze", {"minutes": 30}, "acknowledged"),
        ("unacknowledge", None, "triggered"),
        ("assign", {"assignee": "bob"}, "triggered"),
        ("notes", {"text": "looking"}, "triggered"),
        ("priority", {"priority": "P2"}, "triggered"),
        ("severity", {"severity": "critical"}, "triggered"),
        ("resolve", None, "resolved"),
        ("reopen", None, "triggered"),
    ]
    for action, body, status in steps:
        response = await post(client, i, action, body)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == status, action
    state = response.json()
    assert (state["assignee"], state["priority"], state["severity"]) == ("bob", "P2", "critical")
    assert [e.actor.id for e in world.published[1:]] == ["alice"] * len(steps)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("setup", "action", "body"),
    [
        ([], "unacknowledge", None),
        ([], "reopen", None),
        ([], "snooze", {"minutes": 5}),
        (["acknowledge"], "acknowledge", None),
        (["resolve"], "resolve", None),
        (["resolve"], "acknowledge", None),
        (["resolve"], "assign", {"assignee": "bob"}),
        (["resolve"], "snooze", {"minutes": 5}),
    ],
)
async def test_an_illegal_command_is_409_with_a_clear_message(
    client: httpx.AsyncClient, world: FakeWorld, setup: list[str], action: str, body: Any
) -> None:
    i = await an_incident(world)
    for step in setup:
        assert (await post(client, i, step)).status_code == 200
    published = len(world.published)
    response = await post(client, i, action, body)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["message"].startswith(f"cannot {action.rstrip('s')}")
    assert len(world.published) == published


async def test_reopen_while_the_key_has_a_new_open_incident_is_409(
    client: httpx.AsyncClient, world: FakeWorld
) -> None:
    old = await an_incident(world)
    await post(client, old, "resolve")
    new = await an_incident(world)
    response = await post(client, old, "reopen")
    assert response.status_code == 409
    assert new in response.json()["error"]["message"]


async def test_merge_over_http_and_its_409s(client: httpx.AsyncClient, world: FakeWorld) -> None:
    a, b, c = [await an_incident(world, key) for key in "abc"]
    assert (await post(client, a, "merge", {"into": a})).status_code == 409
    merged = await post(client, a, "merge", {"into": b})
    assert merged.status_code == 200
    assert merged.json()["source"]["merged_into"] == b
    assert merged.json()["target"]["alert_count"] == 2
    assert (await post(client, a, "merge", {"into": c})).status_code == 409  # resolved source
    assert (await post(client, c, "merge", {"into": a})).status_code == 409  # resolved target
    assert (await post(client, c, "merge", {"into": MISSING})).status_code == 404


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("snooze", None),
        ("snooze", {}),
        ("snooze", {"minutes": 0}),
        ("snooze", {"minutes": 5, "until": "2030-01-01T00:00:00Z"}),
        ("snooze", {"until": "2026-02-01T00:00:00Z"}),  # in the past
        ("snooze", {"until": "2030-01-01T00:00:00"}),  # no time zone
        ("assign", {"assignee": ""}),
        ("notes", {"text": "x" * 10_001}),
        ("notes", {"text": 5}),
        ("notes", {"text": "nul \u0000 byte"}),
        ("assign", {"assignee": "\u0000"}),
        ("priority", {"priority": "P6"}),
        ("severity", {"severity": "apocalyptic"}),
        ("merge", {"into": "not-a-uuid"}),
        ("merge", {"into": MISSING, "extra": 1}),
    ],
)
async def test_a_bad_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient, world: FakeWorld, action: str, body: Any
) -> None:
    i = await an_incident(world)
    await post(client, i, "acknowledge")
    published = len(world.published)
    response = await post(client, i, action, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert len(world.published) == published


@pytest.mark.parametrize("action", ["unacknowledge", "reopen", "notes", "merge"])
async def test_unknown_incident_is_404_and_viewer_is_403(
    client: httpx.AsyncClient, world: FakeWorld, action: str
) -> None:
    body = {"notes": {"text": "t"}, "merge": {"into": MISSING}}.get(action)
    assert (await post(client, MISSING, action, body)).status_code == 404
    i = await an_incident(world)
    viewer = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
    response = await client.post(f"/v1/incidents/{i}/{action}", json=body, headers=viewer)
    assert response.status_code == 403


async def test_openapi_documents_the_request_bodies(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    schemas = app.openapi()["components"]["schemas"]
    for name in ("SnoozeRequest", "AssignRequest", "NoteRequest", "MergeRequest"):
        assert name in schemas
    assert schemas["NoteRequest"]["properties"]["text"]["maxLength"] == 10_000
