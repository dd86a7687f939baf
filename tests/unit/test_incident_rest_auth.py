"""REST auth on the incident API: 401 without a valid token, 403 below the role, then the table."""

from __future__ import annotations

from datetime import UTC, datetime

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


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def client(world: FakeWorld) -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(commands_router(config=sample_config(), uow_factory=world.uow, clock=CLOCK))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


async def an_incident(world: FakeWorld) -> str:
    alert = RawAlertV1(integration="i", service="checkout", dedup_key="k", received_at=CLOCK.now())
    await process_raw_alert(alert, identity=str(alert.alert_id), uow_factory=world.uow, clock=CLOCK)
    (incident_id,) = world.incidents.rows
    return str(incident_id)


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
async def test_no_valid_token_is_401_without_detail(
    client: httpx.AsyncClient, world: FakeWorld, header: str | None
) -> None:
    incident_id = await an_incident(world)
    headers = {"Authorization": header} if header else {}
    response = await client.post(f"/v1/incidents/{incident_id}/acknowledge", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "unauthenticated", "message": "a valid API token is required"}
    }


async def test_a_viewer_may_not_acknowledge(client: httpx.AsyncClient, world: FakeWorld) -> None:
    incident_id = await an_incident(world)
    response = await client.post(
        f"/v1/incidents/{incident_id}/acknowledge",
        headers={"Authorization": f"Bearer {VIEWER_TOKEN}"},
    )
    assert response.status_code == 403
    assert world.published[-1].ce_type() == "tocsin.incident.triggered.v1"


async def test_a_responder_acknowledges_then_gets_409_and_404(
    client: httpx.AsyncClient, world: FakeWorld
) -> None:
    incident_id = await an_incident(world)
    auth = {"Authorization": f"Bearer {RESPONDER_TOKEN}"}
    ok = await client.post(f"/v1/incidents/{incident_id}/acknowledge", headers=auth)
    assert ok.status_code == 200 and ok.json()["status"] == "acknowledged"
    again = await client.post(f"/v1/incidents/{incident_id}/acknowledge", headers=auth)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_transition"
    missing = await client.post(
        "/v1/incidents/00000000-0000-0000-0000-000000000000/resolve", headers=auth
    )
    assert missing.status_code == 404
    bad_id = await client.post("/v1/incidents/not-a-uuid/resolve", headers=auth)
    assert bad_id.status_code == 422
