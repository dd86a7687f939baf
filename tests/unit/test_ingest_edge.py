"""The native ingest edge: clear 4xx for bad input, and nothing produced when it says no."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from tocsin_incident.api_ingest import ingest_router
from tocsin_shared.clock import FakeClock
from tocsin_shared.http.errors import install_error_handlers
from tocsin_shared.http.limits import BodyLimitMiddleware

from ..samples import INTEGRATION_KEY, sample_config
from .fakes_incident import FakeSink

AUTH = {"Authorization": f"Bearer {INTEGRATION_KEY}"}


@pytest.fixture
def sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def client(sink: FakeSink) -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(
        ingest_router(config=sample_config(), sink=lambda: sink, raw_topic="raw", clock=FakeClock())
    )
    transport = httpx.ASGITransport(app=BodyLimitMiddleware(app))
    return httpx.AsyncClient(transport=transport, base_url="http://edge")


async def test_one_alert_is_accepted_keyed_by_service_and_dedup_key(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    response = await client.post(
        "/v1/alerts", json={"dedup_key": "db", "summary": "db down"}, headers=AUTH
    )
    assert response.status_code == 202
    assert response.json()["alerts"][0]["dedup_key"] == "db"
    (record,) = sink.sent
    assert record.topic == "raw" and record.key == b"checkout\x1fdb"
    assert json.loads(record.value)["integration"] == "checkout-native"


async def test_a_batch_and_a_generated_dedup_key(client: httpx.AsyncClient, sink: FakeSink) -> None:
    response = await client.post(
        "/v1/alerts", json={"alerts": [{"summary": "a"}, {"summary": "b"}]}, headers=AUTH
    )
    assert response.status_code == 202
    keys = [a["dedup_key"] for a in response.json()["alerts"]]
    assert len(set(keys)) == 2 and len(sink.sent) == 2


async def test_an_overlong_summary_is_accepted_truncated_and_said_so(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    response = await client.post(
        "/v1/alerts", json={"dedup_key": "k", "summary": "x" * 5000}, headers=AUTH
    )
    assert response.status_code == 202
    assert "truncated" in response.json()["warnings"][0]["warning"]
    raw = json.loads(sink.sent[0].value)
    assert len(raw["summary"]) == 1024 and raw["summary_truncated"] is True


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, b'{"summary": "x"}', 401, "unauthenticated"),
        ({"Authorization": "Bearer wrong"}, b'{"summary": "x"}', 401, "unauthenticated"),
        (AUTH, b"{not json", 400, "malformed_json"),
        (AUTH, b'{"severity": "apocalyptic"}', 422, "invalid_alert"),
        (AUTH, b'{"action": "resolve"}', 422, "invalid_alert"),
        (AUTH, b'{"summary": 5, "labels": {"a": 1}}', 422, "invalid_alert"),
        (AUTH, b'{"alerts": []}', 422, "invalid_alert"),
        (AUTH, json.dumps({"alerts": [{}] * 1001}).encode(), 422, "invalid_alert"),
        (AUTH, b"[1, 2]", 422, "invalid_alert"),
        (AUTH, b'{"summary": "x", "extra_field": 1}', 422, "invalid_alert"),
    ],
)
async def test_bad_input_gets_a_clear_4xx_and_produces_nothing(
    client: httpx.AsyncClient,
    sink: FakeSink,
    headers: dict[str, str],
    body: bytes,
    status: int,
    code: str,
) -> None:
    response = await client.post(
        "/v1/alerts", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "Traceback" not in response.text
    assert sink.sent == []


async def test_a_body_over_512_kib_is_refused_with_413(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    body = json.dumps({"summary": "x", "details": {"blob": "y" * 600_000}}).encode()
    response = await client.post(
        "/v1/alerts", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert sink.sent == []


async def test_broker_unavailable_is_503_with_retry_after(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    sink.fail = True
    response = await client.post("/v1/alerts", json={"summary": "x"}, headers=AUTH)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


async def test_nul_characters_are_accepted_and_replaced_so_postgres_can_store_them(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    body = {"dedup_key": "k\u0000", "summary": "a\u0000b", "labels": {"x\u0000": "y\u0000"}}
    response = await client.post("/v1/alerts", json=body, headers=AUTH)
    assert response.status_code == 202
    (record,) = sink.sent
    assert b"\\u0000" not in record.value
    raw = json.loads(record.value)
    assert raw["summary"] == "a\ufffdb" and raw["labels"] == {"x\ufffd": "y\ufffd"}
