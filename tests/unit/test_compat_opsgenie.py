"""Opsgenie Alert API edge: create/close/acknowledge mapping, identifiers, Opsgenie's answers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tocsin_incident.api_opsgenie import opsgenie_router
from tocsin_incident.compat.opsgenie import alert_id_for
from tocsin_shared.clock import FakeClock
from tocsin_shared.http.errors import install_error_handlers
from tocsin_shared.http.limits import BodyLimitMiddleware

from ..compat_payloads import captured
from ..samples import OPSGENIE_KEY, WEBHOOK_KEY, compat_config
from .fakes_incident import FakeSink

AUTH = {"Authorization": f"GenieKey {OPSGENIE_KEY}"}


@pytest.fixture
def sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def client(sink: FakeSink) -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(
        opsgenie_router(
            config=compat_config(), sink=lambda: sink, raw_topic="raw", clock=FakeClock()
        )
    )
    transport = httpx.ASGITransport(app=BodyLimitMiddleware(app))
    return httpx.AsyncClient(transport=transport, base_url="http://edge")


def _sent(sink: FakeSink) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in sink.sent]


def _is_opsgenie_async_answer(answer: dict[str, Any]) -> bool:
    return (
        answer["result"] == "Request will be processed"
        and isinstance(answer["took"], float)
        and len(answer["requestId"]) == 36
    )


async def test_alertmanagers_create_becomes_a_trigger_keyed_by_alias(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    create = captured("opsgenie-create.json")
    response = await client.post(create.url, content=create.body, headers=create.headers)
    assert response.status_code == 202
    assert _is_opsgenie_async_answer(response.json())
    (raw,) = _sent(sink)
    alias = "43c0833c2f0faaa15abdc19482fa85392442ef938ff30b5daed1e614d9b7c418"
    assert (raw["action"], raw["dedup_key"], raw["service"]) == ("trigger", alias, "via-opsgenie")
    assert raw["summary"] == "[FIRING:1] AlwaysFiring checkout (critical sre)"
    assert raw["labels"] == {
        "alertname": "AlwaysFiring",
        "service": "checkout",
        "severity": "critical",
        "team": "sre",
    }
    assert raw["details"]["description"].startswith("vector(1) > 0")
    assert raw["source"] == "http://vm:9093/#/alerts?receiver=opsgenie"
    assert raw["severity"] == "error"  # P3 by default, mapped by this integration's severity_map


async def test_alertmanagers_close_by_alias_becomes_a_resolve(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    close = captured("opsgenie-close.json")
    response = await client.post(close.url, content=close.body, headers=close.headers)
    assert response.status_code == 202
    assert _is_opsgenie_async_answer(response.json())
    (raw,) = _sent(sink)
    assert raw["action"] == "resolve"
    assert raw["dedup_key"] == "89c6f9f5025552bbf3b2ac726d2fcff9ce1b4bb150ebe941b7cdb27232ee66a2"


@pytest.mark.parametrize(
    ("priority", "severity"),
    [("P1", "critical"), ("P2", "error"), ("P4", "info"), ("P5", "info")],
)
async def test_priority_maps_to_severity(
    client: httpx.AsyncClient, sink: FakeSink, priority: str, severity: str
) -> None:
    body = {"message": "m", "priority": priority, "tags": ["db"], "entity": "db-1"}
    response = await client.post("/v2/alerts", json=body, headers=AUTH)
    assert response.status_code == 202
    (raw,) = _sent(sink)
    assert raw["severity"] == severity
    assert raw["details"]["tags"] == ["db"] and raw["details"]["entity"] == "db-1"


async def test_the_id_handed_out_closes_and_acknowledges_the_same_alert(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    created = await client.post("/v2/alerts", json={"message": "no alias"}, headers=AUTH)
    assert created.status_code == 202
    alert_id, alias = created.json()["alertId"], created.json()["alias"]
    assert alias and alert_id == alert_id_for(alias)
    for action in ("acknowledge", "close"):
        response = await client.post(f"/v2/alerts/{alert_id}/{action}", headers=AUTH)
        assert response.status_code == 202, response.text
    assert [(r["action"], r["dedup_key"]) for r in _sent(sink)] == [
        ("trigger", alias),
        ("acknowledge", alias),
        ("resolve", alias),
    ]


async def test_acknowledge_by_alias_with_a_note(client: httpx.AsyncClient, sink: FakeSink) -> None:
    response = await client.post(
        "/v2/alerts/a1/acknowledge?identifierType=alias",
        json={"user": "alice", "note": "looking"},
        headers=AUTH,
    )
    assert response.status_code == 202
    (raw,) = _sent(sink)
    assert (raw["action"], raw["dedup_key"]) == ("acknowledge", "a1")
    assert raw["details"] == {"user": "alice", "note": "looking"}


@pytest.mark.parametrize(
    ("method_path", "headers", "body", "status", "message"),
    [
        ("/v2/alerts", {}, b'{"message": "m"}', 401, "Could not authenticate"),
        ("/v2/alerts", {"Authorization": "GenieKey nope"}, b'{"message": "m"}', 401, "auth"),
        # Right key, wrong scheme; and a key of another kind.
        ("/v2/alerts", {"Authorization": f"Bearer {OPSGENIE_KEY}"}, b"{}", 401, "auth"),
        ("/v2/alerts", {"Authorization": f"GenieKey {WEBHOOK_KEY}"}, b"{}", 401, "auth"),
        ("/v2/alerts", AUTH, b"{not json", 422, "not processable"),
        ("/v2/alerts", AUTH, b"{}", 422, "not processable"),
        ("/v2/alerts", AUTH, b'{"message": ""}', 422, "not processable"),
        ("/v2/alerts", AUTH, b'{"message": "m", "priority": "P9"}', 422, "not processable"),
        ("/v2/alerts", AUTH, b'{"message": "m", "tags": "a,b"}', 422, "not processable"),
        ("/v2/alerts/x/close", AUTH, b"", 422, "was created through this API"),
        ("/v2/alerts/tcs1.!!!/close", AUTH, b"", 422, "not a valid alert id"),
        ("/v2/alerts/x/close?identifierType=tiny", AUTH, b"", 422, "tiny is not supported"),
        ("/v2/alerts/x/close?identifierType=name", AUTH, b"", 422, "must be one of"),
        (f"/v2/alerts/{'a' * 513}/close?identifierType=alias", AUTH, b"", 422, "at most 512"),
        ("/v2/alerts/x/acknowledge?identifierType=alias", AUTH, b"[", 422, "not processable"),
    ],
)
async def test_bad_input_gets_opsgenies_error_shape_and_produces_nothing(
    client: httpx.AsyncClient,
    sink: FakeSink,
    method_path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
    message: str,
) -> None:
    response = await client.post(
        method_path, content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    answer = response.json()
    assert message.lower() in answer["message"].lower()
    assert isinstance(answer["took"], float) and len(answer["requestId"]) == 36
    assert sink.sent == []


async def test_broker_unavailable_is_a_5xx(client: httpx.AsyncClient, sink: FakeSink) -> None:
    sink.fail = True
    response = await client.post("/v2/alerts", json={"message": "m"}, headers=AUTH)
    assert response.status_code == 503
