"""Silences and maintenance windows through the real incident runtime (Kafka, Postgres, timers)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
from tocsin_incident.bootstrap import build_runtime
from tocsin_shared.clock import FakeClock
from tocsin_shared.config import parse_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.topics import ALERTS_RAW
from tocsin_shared.runtime import Runtime

from ..infra import Infra, eventually
from ..kafka_tools import produce
from ..samples import INTEGRATION_KEY, RESPONDER_TOKEN, VIEWER_TOKEN, config_yaml
from .incident_runtime import incident_settings, migrate_incident

OTHER_KEY = "test-billing-key"
AM_KEY = "test-alertmanager-key"
RESPONDER = {"Authorization": f"Bearer {RESPONDER_TOKEN}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
NATIVE = {"Authorization": f"Bearer {INTEGRATION_KEY}"}


HEARTBEATS = """
heartbeats:
  - name: prom-watchdog
    service: checkout
    interval_seconds: 60
    integration: prom-am
    match: {alertname: Watchdog}
  - name: nightly-batch
    service: billing
    interval_seconds: 30
  - name: billing-beat
    service: billing
    interval_minutes: 10
    integration: billing-native
"""


def config() -> TocsinConfig:
    """The sample config plus a second service with its own integration, and heartbeats."""
    text = config_yaml().replace("services:\n", "services:\n  - name: billing\n", 1)
    more = (
        f"  - name: billing-native\n    service: billing\n    key: {OTHER_KEY}\n"
        f"  - name: prom-am\n    kind: alertmanager\n    service: checkout\n    key: {AM_KEY}\n"
    )
    text = text.replace("api_tokens:", more + "api_tokens:", 1)
    return parse_config(text + HEARTBEATS, source="tests")


@dataclass
class Service:
    runtime: Runtime
    client: httpx.AsyncClient
    dsn: str
    topic: str
    bootstrap: str
    clock: FakeClock

    async def send(self, dedup_key: str, **fields: Any) -> str:
        alert = RawAlertV1.model_validate(
            {
                "integration": "checkout-native",
                "service": "checkout",
                "dedup_key": dedup_key,
                "summary": f"{dedup_key} is down",
                "received_at": datetime.now(UTC),
                **fields,
            }
        )
        key = alert.partition_key().encode()
        await produce(self.bootstrap, self.topic, [(key, alert.model_dump_json().encode(), {})])
        return str(alert.alert_id)

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def outcome(self, alert_id: str) -> str | None:
        rows = await self.fetch(
            "SELECT outcome FROM incident.alerts WHERE alert_id = $1::uuid", alert_id
        )
        return rows[0]["outcome"] if rows else None

    async def incidents(self, dedup_key: str) -> list[str]:
        rows = await self.fetch(
            "SELECT status FROM incident.incidents WHERE dedup_key = $1 ORDER BY created_seq",
            dedup_key,
        )
        return [r["status"] for r in rows]


@asynccontextmanager
async def running(
    infra: Infra, database: str, topic_prefix: str, *, clock: FakeClock | None = None
) -> AsyncIterator[Service]:
    await migrate_incident(database)
    settings = incident_settings(
        dsn=database, bootstrap=infra.bootstrap_servers, prefix=topic_prefix
    )
    clock = clock or FakeClock(datetime.now(UTC))
    runtime = build_runtime(settings, config=config(), clock=clock)
    await runtime.start()
    transport = httpx.ASGITransport(app=runtime.app(title="incident"))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://incident") as client:
            yield Service(
                runtime,
                client,
                dsn=database,
                topic=ALERTS_RAW.qualified(topic_prefix),
                bootstrap=infra.bootstrap_servers,
                clock=clock,
            )
    finally:
        await runtime.stop()


def iso(at: datetime) -> str:
    return at.isoformat()


async def test_a_silenced_trigger_is_recorded_and_after_the_delete_the_next_one_opens(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running(infra, database, topic_prefix) as svc:
        now = svc.clock.now()
        created = await svc.client.post(
            "/v1/silences",
            headers=RESPONDER,
            json={
                "matchers": [
                    {"name": "alertname", "value": "Disk.*", "isRegex": True},
                    {"name": "severity", "value": "critical"},
                ],
                "endsAt": iso(now + timedelta(hours=1)),
                "comment": "disk migration",
            },
        )
        assert created.status_code == 201, created.text
        silence = created.json()
        assert (silence["createdBy"], silence["status"]["state"]) == ("alice", "active")
        labels = {"alertname": "DiskFull"}
        first = await svc.send("disk", labels=labels, severity="critical")
        outcome = await eventually(lambda: svc.outcome(first), timeout_s=60)
        assert outcome == f"suppressed:silence:{silence['id']}"
        assert await svc.incidents("disk") == []
        listed = await svc.client.get("/v1/silences?state=active", headers=VIEWER)
        assert [s["id"] for s in listed.json()["silences"]] == [silence["id"]]

        deleted = await svc.client.delete(f"/v1/silences/{silence['id']}", headers=RESPONDER)
        assert deleted.json()["status"]["state"] == "expired"
        again = await svc.send("disk", labels=labels, severity="critical")
        assert await eventually(lambda: svc.outcome(again), timeout_s=60) == "opened"
        assert await svc.incidents("disk") == ["triggered"]
        timers = await svc.fetch(
            "SELECT cancelled_at FROM incident.timers WHERE kind = 'silence.expire'"
        )
        assert [t["cancelled_at"] is not None for t in timers] == [True]


async def test_a_maintenance_window_suppresses_its_services_until_it_is_deleted(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running(infra, database, topic_prefix) as svc:
        now = svc.clock.now()
        created = await svc.client.post(
            "/v1/maintenance-windows",
            headers=RESPONDER,
            json={"services": ["checkout"], "endsAt": iso(now + timedelta(hours=2))},
        )
        assert created.status_code == 201, created.text
        window = created.json()
        first = await svc.send("db-down")
        outcome = await eventually(lambda: svc.outcome(first), timeout_s=60)
        assert outcome == f"suppressed:maintenance:{window['id']}"
        assert await svc.incidents("db-down") == []
        other = await svc.send("db-down", integration="billing-native", service="billing")
        assert await eventually(lambda: svc.outcome(other), timeout_s=60) == "opened"
        listed = await svc.client.get("/v1/maintenance-windows", headers=VIEWER)
        assert [w["services"] for w in listed.json()["maintenance_windows"]] == [["checkout"]]

        gone = await svc.client.delete(f"/v1/maintenance-windows/{window['id']}", headers=RESPONDER)
        assert gone.status_code == 200
        again = await svc.send("db-down")
        assert await eventually(lambda: svc.outcome(again), timeout_s=60) == "opened"


async def test_a_silence_expires_by_its_durable_timer(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running(infra, database, topic_prefix) as svc:
        now = svc.clock.now()
        created = await svc.client.post(
            "/v1/silences",
            headers=RESPONDER,
            json={
                "matchers": [{"name": "team", "value": "db"}],
                "startsAt": iso(now),
                "endsAt": iso(now + timedelta(minutes=10)),
            },
        )
        silence_id = created.json()["id"]
        svc.clock.advance(timedelta(minutes=10, seconds=1))

        async def expired_by_timer() -> dict[str, Any] | None:
            body = (await svc.client.get(f"/v1/silences/{silence_id}", headers=VIEWER)).json()
            return body if body["expiredBy"] == "system" else None

        body = await eventually(expired_by_timer, timeout_s=30)
        assert body["status"]["state"] == "expired"
        rows = await svc.fetch(
            "SELECT fired_at FROM incident.timers WHERE kind = 'silence.expire' AND subject = $1",
            silence_id,
        )
        assert [r["fired_at"] is not None for r in rows] == [True]


async def test_bad_input_is_422_and_auth_is_401_and_403(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running(infra, database, topic_prefix) as svc:
        later = iso(svc.clock.now() + timedelta(hours=1))
        cases = [
            ({"matchers": [], "endsAt": later}, "at least one matcher"),
            (
                {"matchers": [{"name": "job", "value": "(", "isRegex": True}], "endsAt": later},
                "invalid regex for label 'job'",
            ),
            (
                {"matchers": [{"name": "job", "value": "db"}], "endsAt": iso(svc.clock.now())},
                "endsAt must be",
            ),
            (
                {"matchers": [{"name": "job", "value": ".*", "isRegex": True}], "endsAt": later},
                "must not match the empty string",
            ),
        ]
        for body, message in cases:
            response = await svc.client.post("/v1/silences", headers=RESPONDER, json=body)
            assert response.status_code == 422, body
            assert message in response.json()["error"]["message"]
        job = [{"name": "job", "value": "db"}]
        for body in (
            {"matchers": job, "endsAt": "2030-01-01T00:00:00"},  # naive
            {"matchers": job, "endsAt": later, "startsAt": "0001-01-01T00:00:00+05:00"},
            {"matchers": [{"name": "job", "value": "d\u0000b"}], "endsAt": later},
            {"matchers": job, "endsAt": later, "extra": 1},
        ):
            response = await svc.client.post("/v1/silences", headers=RESPONDER, json=body)
            assert response.status_code == 422, body
        lone_surrogate = json.dumps({"matchers": job, "endsAt": later, "comment": "\ud800"})
        response = await svc.client.post(
            "/v1/silences",
            headers={**RESPONDER, "Content-Type": "application/json"},
            content=lone_surrogate.encode(),
        )
        assert response.status_code == 422
        unknown = {"services": ["nope"], "endsAt": later}
        response = await svc.client.post("/v1/maintenance-windows", headers=RESPONDER, json=unknown)
        assert response.status_code == 422
        assert "unknown service(s): nope" in response.json()["error"]["message"]
        assert (await svc.fetch("SELECT id FROM incident.silences")) == []

        good = {"matchers": [{"name": "job", "value": "db"}], "endsAt": later}
        assert (await svc.client.post("/v1/silences", json=good)).status_code == 401
        assert (await svc.client.post("/v1/silences", headers=VIEWER, json=good)).status_code == 403
        assert (await svc.client.get("/v1/silences")).status_code == 401
        missing = f"/v1/silences/{uuid4()}"
        assert (await svc.client.delete(missing, headers=VIEWER)).status_code == 403
        assert (await svc.client.delete(missing, headers=RESPONDER)).status_code == 404
        assert (await svc.client.get("/v1/silences/not-a-uuid", headers=VIEWER)).status_code == 422
        assert (await svc.client.get("/v1/heartbeats", headers=NATIVE)).status_code == 401
