"""The read API's pure parts and its HTTP translation, over the in-memory reader."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from tocsin_incident.api_queries import queries_router
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_incident.read_models import (
    IncidentOut,
    InvalidCursor,
    InvalidTime,
    ListedIncident,
    as_utc,
    decode_cursor,
    encode_cursor,
    like_pattern,
    page_of,
)
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import IncidentStatus, Severity
from tocsin_shared.http.errors import install_error_handlers

from ..samples import VIEWER_TOKEN, sample_config
from .fakes_incident import FakeWorld
from .fakes_incident_queries import FakeIncidentReader

T0 = datetime(2026, 3, 1, tzinfo=UTC)
AUTH = {"Authorization": f"Bearer {VIEWER_TOKEN}"}


@pytest.mark.parametrize("seq", [0, 1, 42, 10**17])
def test_a_cursor_round_trips(seq: int) -> None:
    cursor = encode_cursor(seq)
    assert str(seq) not in cursor  # opaque, not a bare number
    assert decode_cursor(cursor) == seq


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "x",
        "12",
        "%%%",
        base64.b64encode(b"seq:").decode(),
        base64.b64encode(b"seq:1e3").decode(),
    ],
)
def test_anything_else_is_an_invalid_cursor(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_times_are_utc_and_unrepresentable_ones_invalid() -> None:
    assert as_utc(datetime(2026, 3, 1, 12)) == datetime(2026, 3, 1, 12, tzinfo=UTC)
    plus2 = datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(plus2) == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert as_utc(None) is None
    with pytest.raises(InvalidTime):
        as_utc(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))))


def test_like_pattern_takes_wildcards_literally() -> None:
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


def _listed(seq: int) -> ListedIncident:
    incident = IncidentOut(
        id=UUID(int=seq),
        service="s",
        dedup_key=f"k{seq}",
        summary="",
        severity=Severity.ERROR,
        source="",
        status=IncidentStatus.TRIGGERED,
        labels={},
        alert_count=1,
        first_seen=T0,
        last_seen=T0,
        triggered_at=T0,
    )
    return ListedIncident(seq=seq, incident=incident)


def test_a_page_has_a_cursor_only_when_there_is_more() -> None:
    more = page_of([_listed(9), _listed(8), _listed(7)], limit=2)
    assert [i.dedup_key for i in more.incidents] == ["k9", "k8"]
    assert more.next_cursor is not None and decode_cursor(more.next_cursor) == 8
    assert page_of([_listed(9), _listed(8)], limit=2).next_cursor is None
    assert page_of([], limit=2).next_cursor is None


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def reader(world: FakeWorld) -> FakeIncidentReader:
    return FakeIncidentReader(world.incidents)


@pytest.fixture
def client(reader: FakeIncidentReader) -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(queries_router(config=sample_config(), reader=reader))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


async def _trigger(world: FakeWorld, key: str) -> None:
    clock = FakeClock(T0)
    alert = RawAlertV1(integration="i", service="checkout", dedup_key=key, received_at=T0)
    await process_raw_alert(alert, identity=str(alert.alert_id), uow_factory=world.uow, clock=clock)


async def test_query_parameters_become_the_reader_query(
    client: httpx.AsyncClient, reader: FakeIncidentReader
) -> None:
    response = await client.get(
        "/v1/incidents",
        params={
            "status": ["resolved", "triggered", "resolved"],
            "severity": "critical",
            "service": "checkout",
            "since": "2026-03-01T12:00:00",
            "until": "2026-03-02T00:00:00+01:00",
            "text": "disk",
            "limit": 7,
            "cursor": encode_cursor(33),
        },
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    (query,) = reader.queries
    assert query.statuses == (IncidentStatus.RESOLVED, IncidentStatus.TRIGGERED)
    assert query.severities == (Severity.CRITICAL,)
    assert (query.service, query.text, query.limit, query.before_seq) == ("checkout", "disk", 7, 33)
    assert query.since == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert query.until == datetime(2026, 3, 1, 23, tzinfo=UTC)


async def test_an_invalid_cursor_never_reaches_the_reader(
    client: httpx.AsyncClient, reader: FakeIncidentReader
) -> None:
    response = await client.get("/v1/incidents", params={"cursor": "nope"}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_cursor"
    assert reader.queries == []


async def test_pages_walk_the_fake_newest_first(
    client: httpx.AsyncClient, world: FakeWorld
) -> None:
    for key in "abcde":
        await _trigger(world, key)
    first = (await client.get("/v1/incidents", params={"limit": 3}, headers=AUTH)).json()
    assert [i["dedup_key"] for i in first["incidents"]] == ["e", "d", "c"]
    params = {"limit": 3, "cursor": first["next_cursor"]}
    second = (await client.get("/v1/incidents", params=params, headers=AUTH)).json()
    assert [i["dedup_key"] for i in second["incidents"]] == ["b", "a"]
    assert second["next_cursor"] is None


async def test_one_incident_or_a_404(client: httpx.AsyncClient, world: FakeWorld) -> None:
    await _trigger(world, "a")
    (incident_id,) = world.incidents.rows
    found = await client.get(f"/v1/incidents/{incident_id}", headers=AUTH)
    assert found.status_code == 200
    assert found.json()["dedup_key"] == "a" and found.json()["alerts_total"] == 1
    missing = await client.get("/v1/incidents/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 401
    missing = await client.get("/v1/incidents/00000000-0000-0000-0000-000000000000", headers=AUTH)
    assert missing.status_code == 404


def test_the_openapi_documents_the_response_models(reader: FakeIncidentReader) -> None:
    app = FastAPI()
    app.include_router(queries_router(config=sample_config(), reader=reader))
    spec = app.openapi()
    listing = spec["paths"]["/v1/incidents"]["get"]["responses"]
    assert listing["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/IncidentPage")
    assert {"401", "403", "422"} <= set(listing)
    one = spec["paths"]["/v1/incidents/{incident_id}"]["get"]["responses"]
    assert one["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/IncidentDetail")
    assert "404" in one
    detail = spec["components"]["schemas"]["IncidentDetail"]["properties"]
    assert {"timeline", "alerts", "alerts_total", "status", "priority", "merged_into"} <= set(
        detail
    )
