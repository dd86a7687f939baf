"""The incident read API over real Postgres: every filter, cursor pagination, one incident."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from tocsin_incident import SCHEMA
from tocsin_incident.adapters.postgres import IncidentUnitOfWork
from tocsin_incident.adapters.queries import PgIncidentReader
from tocsin_incident.api_queries import queries_router
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.alerts import AlertAction, RawAlertV1
from tocsin_shared.contracts.events import Severity
from tocsin_shared.db.pool import create_pool
from tocsin_shared.http.errors import install_error_handlers

from ..samples import VIEWER_TOKEN, sample_config
from .incident_runtime import migrate_incident

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AUTH = {"Authorization": f"Bearer {VIEWER_TOKEN}"}


@dataclass
class Api:
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    clock: FakeClock

    async def alert(
        self,
        service: str,
        key: str,
        *,
        summary: str = "",
        severity: Severity = Severity.ERROR,
        action: AlertAction = AlertAction.TRIGGER,
        at: datetime | None = None,
    ) -> None:
        if at is not None:
            self.clock = FakeClock(at)
        alert = RawAlertV1(
            integration="checkout-native",
            service=service,
            dedup_key=key,
            summary=summary,
            severity=severity,
            action=action,
            received_at=self.clock.now(),
        )
        await process_raw_alert(
            alert,
            identity=str(alert.alert_id),
            uow_factory=lambda: IncidentUnitOfWork(self.pool),
            clock=self.clock,
        )
        self.clock.advance(timedelta(seconds=1))

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=AUTH)

    async def keys(self, **params: Any) -> list[str]:
        response = await self.get("/v1/incidents", **params)
        assert response.status_code == 200, response.text
        return [i["dedup_key"] for i in response.json()["incidents"]]


@pytest.fixture
async def api(database: str) -> AsyncIterator[Api]:
    await migrate_incident(database)
    pool = await create_pool(database, schema=SCHEMA)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(
        queries_router(config=sample_config(), reader=PgIncidentReader(lambda: pool))
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield Api(client=client, pool=pool, clock=FakeClock(T0))
    await pool.close()


async def seeded(api: Api) -> Api:
    """Five incidents, oldest first: a..e, an hour apart."""
    await api.alert("checkout", "a", summary="Disk FULL on db-1", severity=Severity.CRITICAL, at=T0)
    await api.alert("checkout", "b", summary="CPU 100% on web", at=T0 + timedelta(hours=1))
    await api.alert("payments", "c_1", summary="latency", at=T0 + timedelta(hours=2))
    await api.alert("payments", "d", summary="disk slow", severity=Severity.WARNING)
    await api.alert("payments", "d", action=AlertAction.ACKNOWLEDGE, at=T0 + timedelta(hours=3))
    await api.alert("checkout", "e", summary="a\\b", at=T0 + timedelta(hours=4))
    await api.alert("checkout", "e", action=AlertAction.RESOLVE)
    return api


async def test_filters_by_status_service_severity_and_time(api: Api) -> None:
    await seeded(api)
    assert await api.keys() == ["e", "d", "c_1", "b", "a"]
    assert await api.keys(status="resolved") == ["e"]
    assert await api.keys(status=["acknowledged", "resolved"]) == ["e", "d"]
    assert await api.keys(service="payments") == ["d", "c_1"]
    assert await api.keys(service="nope") == []
    assert await api.keys(severity=["critical", "warning"]) == ["d", "a"]
    since = (T0 + timedelta(hours=1)).isoformat()
    until = (T0 + timedelta(hours=2)).isoformat()
    assert await api.keys(since=since, until=until) == ["b"]
    assert await api.keys(since=since, service="checkout", status="triggered") == ["b"]
    # A naive time is UTC; an offset is honoured.
    assert await api.keys(until="2026-03-01T13:00:00") == ["a"]
    assert await api.keys(since="2026-03-01T15:00:00+02:00") == ["e", "d", "c_1", "b"]


async def test_text_is_case_insensitive_on_summary_and_key_with_wildcards_literal(
    api: Api,
) -> None:
    await seeded(api)
    assert await api.keys(text="disk") == ["d", "a"]
    assert await api.keys(text="C_1") == ["c_1"]
    assert await api.keys(text="%") == ["b"]
    assert await api.keys(text="_") == ["c_1"]
    assert await api.keys(text="\\") == ["e"]
    assert await api.keys(text="100%") == ["b"]
    assert await api.keys(text="d%1") == []


async def test_cursor_walks_every_incident_once_newest_first(api: Api) -> None:
    for n in range(7):
        await api.alert("checkout", f"k{n}")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = (await api.get("/v1/incidents", **params)).json()
        seen += [i["dedup_key"] for i in body["incidents"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"k{n}" for n in reversed(range(7))]
    assert pages == 3
    exact = (await api.get("/v1/incidents", limit=7)).json()
    assert len(exact["incidents"]) == 7 and exact["next_cursor"] is None
    # A cursor keeps its place when newer incidents arrive in between.
    first = (await api.get("/v1/incidents", limit=2)).json()
    await api.alert("checkout", "newer")
    second = (await api.get("/v1/incidents", limit=2, cursor=first["next_cursor"])).json()
    assert [i["dedup_key"] for i in second["incidents"]] == ["k4", "k3"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "!!!",
        base64.urlsafe_b64encode(b"seq:-1").decode(),
        base64.urlsafe_b64encode(b"seq:99999999999999999999").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
async def test_an_invalid_cursor_is_a_clear_422(api: Api, cursor: str) -> None:
    response = await api.get("/v1/incidents", cursor=cursor)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"status": "open"}, "invalid_request"),
        ({"limit": 0}, "invalid_request"),
        ({"limit": 501}, "invalid_request"),
        ({"since": "yesterday"}, "invalid_request"),
        ({"text": "a\x00b"}, "invalid_request"),
        ({"since": "0001-01-01T00:00:00+05:00"}, "invalid_time"),
        ({"since": T0.isoformat(), "until": (T0 - timedelta(1)).isoformat()}, "invalid_time_range"),
    ],
)
async def test_bad_filters_are_clear_422s(api: Api, params: dict[str, Any], code: str) -> None:
    response = await api.get("/v1/incidents", **params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


async def test_one_incident_has_its_timeline_and_latest_alerts_with_the_total(api: Api) -> None:
    for n in range(5):
        await api.alert("checkout", "flappy", summary=f"flap {n}")
    await api.alert("checkout", "flappy", action=AlertAction.ACKNOWLEDGE)
    listed = (await api.get("/v1/incidents")).json()["incidents"]
    (incident_id,) = [i["id"] for i in listed]

    response = await api.get(f"/v1/incidents/{incident_id}", alerts_limit=2)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == incident_id and body["status"] == "acknowledged"
    assert body["alert_count"] == 5
    assert body["alerts_total"] == 6
    assert [a["action"] for a in body["alerts"]] == ["acknowledge", "trigger"]
    assert body["alerts"][1]["summary"] == "flap 4"
    kinds = [t["kind"] for t in body["timeline"]]
    assert kinds[0] == "triggered" and "acknowledged" in kinds
    assert "created_seq" not in body
    assert (body["assignee"], body["priority"], body["merged_into"]) == (None, None, None)

    missing = await api.get("/v1/incidents/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "no such incident"}}
    assert (await api.get("/v1/incidents/not-a-uuid")).status_code == 422
