"""Heartbeats through the real incident runtime: deadline timer, pings, the Watchdog alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tocsin_shared.clock import FakeClock

from ..conftest import PAYLOADS
from ..infra import Infra, eventually
from .test_silences_runtime import (
    AM_KEY,
    OTHER_KEY,
    RESPONDER,
    VIEWER,
    Service,
    running,
)

AM = {"Authorization": f"Bearer {AM_KEY}"}


async def states(svc: Service) -> dict[str, dict[str, Any]]:
    response = await svc.client.get("/v1/heartbeats", headers=VIEWER)
    assert response.status_code == 200
    return {h["name"]: h for h in response.json()["heartbeats"]}


async def ping(svc: Service, name: str, headers: dict[str, str]) -> int:
    return (await svc.client.post(f"/v1/heartbeats/{name}/ping", headers=headers)).status_code


async def opened(svc: Service, dedup_key: str) -> list[str] | None:
    found = await svc.incidents(dedup_key)
    return found or None


async def test_a_missed_heartbeat_opens_one_incident_and_the_next_ping_resolves_it(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running(infra, database, topic_prefix) as svc:
        assert {n: h["state"] for n, h in (await states(svc)).items()} == {
            "prom-watchdog": "never",
            "nightly-batch": "never",
            "billing-beat": "never",
        }
        assert await ping(svc, "prom-watchdog", {}) == 401
        assert await ping(svc, "prom-watchdog", {"Authorization": "Bearer nope"}) == 401
        assert await ping(svc, "prom-watchdog", VIEWER) == 403
        other_integration = {"Authorization": f"Bearer {OTHER_KEY}"}
        assert await ping(svc, "prom-watchdog", other_integration) == 403
        assert await ping(svc, "no-such-beat", RESPONDER) == 404
        assert await ping(svc, "billing-beat", other_integration) == 200

        assert await ping(svc, "prom-watchdog", AM) == 200
        beat = (await states(svc))["prom-watchdog"]
        assert beat["state"] == "ok"
        assert beat["last_ping_at"] is not None and beat["next_due_at"] > beat["last_ping_at"]

        svc.clock.advance(timedelta(seconds=61))
        assert await eventually(lambda: opened(svc, "heartbeat:prom-watchdog"), timeout_s=30) == [
            "triggered"
        ]
        assert (await states(svc))["prom-watchdog"]["state"] == "missed"
        rows = await svc.fetch(
            "SELECT i.severity, i.summary, t.actor_kind FROM incident.incidents i"
            " JOIN incident.timeline t ON t.incident_id = i.id"
            " WHERE i.dedup_key = 'heartbeat:prom-watchdog' AND t.kind = 'triggered'"
        )
        assert [tuple(r) for r in rows] == [
            ("critical", "Heartbeat prom-watchdog missed", "system")
        ]

        # Time goes on without a ping: a control heartbeat due later fires, this one not again.
        assert await ping(svc, "nightly-batch", RESPONDER) == 200
        svc.clock.advance(timedelta(seconds=31))
        await eventually(lambda: opened(svc, "heartbeat:nightly-batch"), timeout_s=30)
        assert await svc.incidents("heartbeat:prom-watchdog") == ["triggered"]

        assert await ping(svc, "prom-watchdog", AM) == 200
        assert await svc.incidents("heartbeat:prom-watchdog") == ["resolved"]
        assert (await states(svc))["prom-watchdog"]["state"] == "ok"


def watchdog_webhook() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / "webhook-v4-firing.json").read_text())["body"]
    for alert in body["alerts"]:
        alert["labels"]["alertname"] = "Watchdog"
    body["groupLabels"]["alertname"] = body["commonLabels"]["alertname"] = "Watchdog"
    return body


async def test_alertmanagers_watchdog_keeps_the_heartbeat_alive_and_opens_nothing(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running(infra, database, topic_prefix) as svc:

        async def send_watchdog() -> None:
            response = await svc.client.post(
                "/v1/integrations/alertmanager", headers=AM, json=watchdog_webhook()
            )
            assert response.status_code == 202, response.text
            (accepted,) = response.json()["alerts"]
            outcome = await eventually(lambda: svc.outcome(accepted["alert_id"]), timeout_s=60)
            assert outcome == "heartbeat_ping:prom-watchdog"

        await send_watchdog()
        first = (await states(svc))["prom-watchdog"]
        assert first["state"] == "ok"
        svc.clock.advance(timedelta(seconds=40))
        await send_watchdog()
        assert (await states(svc))["prom-watchdog"]["last_ping_at"] > first["last_ping_at"]

        # Past the first ping's deadline, before the second's; the control is due in between.
        assert await ping(svc, "nightly-batch", RESPONDER) == 200
        svc.clock.advance(timedelta(seconds=31))
        await eventually(lambda: opened(svc, "heartbeat:nightly-batch"), timeout_s=30)
        assert (await states(svc))["prom-watchdog"]["state"] == "ok"
        incidents = await svc.fetch("SELECT dedup_key FROM incident.incidents")
        assert [r["dedup_key"] for r in incidents] == ["heartbeat:nightly-batch"]


async def test_a_deadline_armed_before_a_restart_fires_after_it(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    clock = FakeClock(datetime.now(UTC))
    async with running(infra, database, topic_prefix, clock=clock) as svc:
        assert await ping(svc, "prom-watchdog", AM) == 200
    clock.advance(timedelta(minutes=5))  # the service was down past the deadline
    async with running(infra, database, topic_prefix, clock=clock) as svc:
        assert await eventually(lambda: opened(svc, "heartbeat:prom-watchdog"), timeout_s=30) == [
            "triggered"
        ]
        assert (await states(svc))["prom-watchdog"]["state"] == "missed"
