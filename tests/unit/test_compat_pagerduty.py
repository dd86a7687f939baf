"""PagerDuty Events v2 edge: PD-CEF mapping, PagerDuty's answers, throttling, bad input."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tocsin_incident.api_pagerduty import pagerduty_router
from tocsin_incident.compat.common import Throttle
from tocsin_shared.clock import FakeClock
from tocsin_shared.http.errors import install_error_handlers
from tocsin_shared.http.limits import BodyLimitMiddleware

from ..compat_payloads import captured
from ..samples import OPSGENIE_KEY, PAGERDUTY_KEY, compat_config
from .fakes_incident import FakeSink


class StoppedClock:
    """A monotonic clock that only moves when told, so the bucket never refills by itself."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _client(sink: FakeSink, **limits: Any) -> tuple[httpx.AsyncClient, StoppedClock]:
    monotonic = StoppedClock()
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(
        pagerduty_router(
            config=compat_config(**limits),
            sink=lambda: sink,
            raw_topic="raw",
            clock=FakeClock(),
            throttle=Throttle(monotonic=monotonic),
        )
    )
    transport = httpx.ASGITransport(app=BodyLimitMiddleware(app))
    return httpx.AsyncClient(transport=transport, base_url="http://edge"), monotonic


@pytest.fixture
def sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def client(sink: FakeSink) -> httpx.AsyncClient:
    return _client(sink)[0]


def _sent(sink: FakeSink) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in sink.sent]


def _trigger(**extra: Any) -> dict[str, Any]:
    return {
        "routing_key": PAGERDUTY_KEY,
        "event_action": "trigger",
        "payload": {"summary": "db down", "source": "db-1", "severity": "critical"},
        **extra,
    }


async def test_alertmanagers_trigger_is_accepted_with_pagerdutys_answer(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    trigger = captured("pagerduty-events-v2-trigger.json")
    response = await client.post(trigger.url, content=trigger.body, headers=trigger.headers)
    assert response.status_code == 202
    key = "43c0833c2f0faaa15abdc19482fa85392442ef938ff30b5daed1e614d9b7c418"
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": key}
    (raw,) = _sent(sink)
    assert (raw["action"], raw["dedup_key"], raw["service"]) == ("trigger", key, "via-pagerduty")
    assert raw["summary"] == "[FIRING:1] AlwaysFiring checkout (critical sre)"
    assert (raw["source"], raw["severity"]) == ("Alertmanager", "error")
    assert raw["details"]["custom_details"]["num_firing"] == "1"
    assert raw["details"]["client"] == "Alertmanager"
    assert raw["details"]["client_url"] == "http://vm:9093/#/alerts?receiver=pagerduty"


async def test_alertmanagers_resolve_is_a_resolve(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    resolve = captured("pagerduty-events-v2-resolve.json")
    response = await client.post(resolve.url, content=resolve.body, headers=resolve.headers)
    assert response.status_code == 202
    (raw,) = _sent(sink)
    assert raw["action"] == "resolve"
    assert raw["dedup_key"] == resolve.json()["dedup_key"]


async def test_every_pd_cef_field_is_kept(client: httpx.AsyncClient, sink: FakeSink) -> None:
    event = _trigger(
        dedup_key="k1",
        links=[{"href": "https://runbook", "text": "runbook"}],
        images=[{"src": "https://graph.png", "alt": "graph"}],
    )
    event["payload"].update(
        timestamp="2026-11-22T10:00:00.000+0100",
        component="postgres",
        group="prod-db",
        **{"class": "disk", "custom_details": {"free": "0%"}},
    )
    response = await client.post("/v2/enqueue", json=event)
    assert response.status_code == 202 and response.json()["dedup_key"] == "k1"
    (raw,) = _sent(sink)
    assert raw["severity"] == "critical"
    assert raw["occurred_at"].startswith("2026-11-22T09:00:00")
    details = raw["details"]
    assert (details["component"], details["group"], details["class"]) == (
        "postgres",
        "prod-db",
        "disk",
    )
    assert details["custom_details"] == {"free": "0%"}
    assert details["links"][0]["href"] == "https://runbook"
    assert details["images"][0]["alt"] == "graph"


@pytest.mark.parametrize("path", ["/v2/enqueue", "/v2/enqueue/", "/enqueue"])
async def test_a_trigger_without_dedup_key_gets_one_generated_and_returned(
    client: httpx.AsyncClient, sink: FakeSink, path: str
) -> None:
    response = await client.post(path, json=_trigger())
    assert response.status_code == 202
    key = response.json()["dedup_key"]
    assert key and _sent(sink)[0]["dedup_key"] == key


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
async def test_follow_ups_need_only_the_key(
    client: httpx.AsyncClient, sink: FakeSink, action: str
) -> None:
    body = {"routing_key": PAGERDUTY_KEY, "event_action": action, "dedup_key": "k1"}
    response = await client.post("/v2/enqueue", json=body)
    assert response.status_code == 202 and response.json()["dedup_key"] == "k1"
    assert _sent(sink)[0]["action"] == action


async def test_throttled_per_integration_with_429(sink: FakeSink) -> None:
    client, monotonic = _client(sink, pagerduty_rate_per_s=1.0, pagerduty_burst=2)
    statuses = [(await client.post("/v2/enqueue", json=_trigger())).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert len(sink.sent) == 2
    monotonic.now += 1.0  # one token back
    assert (await client.post("/v2/enqueue", json=_trigger())).status_code == 202


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "Malformed JSON"),
        (b"[1]", "Input should be"),
        (json.dumps({"event_action": "trigger"}).encode(), "'routing_key' is missing"),
        (json.dumps(_trigger(routing_key="nope")).encode(), "Invalid routing key"),
        # A key of another kind is no routing key.
        (json.dumps(_trigger(routing_key=OPSGENIE_KEY)).encode(), "Invalid routing key"),
        (json.dumps(_trigger(event_action="explode")).encode(), "event_action"),
        (json.dumps({**_trigger(), "payload": None}).encode(), "'payload' is missing"),
        (
            json.dumps({"routing_key": PAGERDUTY_KEY, "event_action": "resolve"}).encode(),
            "'dedup_key' is missing",
        ),
        (
            json.dumps(_trigger(payload={"summary": "s", "source": "x"})).encode(),
            "'payload.severity' is missing",
        ),
        (
            json.dumps(
                _trigger(payload={"summary": "s", "source": "x", "severity": "meh"})
            ).encode(),
            "payload.severity",
        ),
        (json.dumps(_trigger(dedup_key="k" * 256)).encode(), "dedup_key"),
    ],
)
async def test_invalid_events_get_pagerdutys_400_and_nothing_is_produced(
    client: httpx.AsyncClient, sink: FakeSink, body: bytes, error: str
) -> None:
    response = await client.post(
        "/v2/enqueue", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    answer = response.json()
    assert (answer["status"], answer["message"]) == ("invalid event", "Event object is invalid")
    assert any(error in e for e in answer["errors"]), answer["errors"]
    assert sink.sent == []


async def test_broker_unavailable_is_a_5xx_pagerduty_clients_retry(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    sink.fail = True
    response = await client.post("/v2/enqueue", json=_trigger())
    assert response.status_code == 503


async def test_a_timestamp_out_of_range_in_utc_is_accepted_without_one(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    event = _trigger()
    event["payload"]["timestamp"] = "9999-12-31T23:59:59-14:00"
    response = await client.post("/v2/enqueue", json=event)
    assert response.status_code == 202
    assert _sent(sink)[0]["occurred_at"] is None
