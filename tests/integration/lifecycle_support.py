"""Helpers for the lifecycle tests: a runtime on a FakeClock, its HTTP API, its rows, its events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
from tocsin_incident.bootstrap import build_runtime
from tocsin_shared.clock import FakeClock
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.topics import ALERTS_RAW, INCIDENT_EVENTS
from tocsin_shared.runtime import Runtime

from ..infra import Infra, eventually
from ..kafka_tools import produce, read_all
from ..samples import RESPONDER_TOKEN, sample_config
from .incident_runtime import incident_settings

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
AUTH = {"Authorization": f"Bearer {RESPONDER_TOKEN}"}


def config_with(**service_fields: object) -> TocsinConfig:
    """The sample config, its `checkout` service given lifecycle timers."""
    base = sample_config()
    services = [
        s.model_copy(update=service_fields) if s.name == "checkout" else s for s in base.services
    ]
    return base.model_copy(update={"services": services})


class Lifecycle:
    """One test's incident service: start it, stop it, start it again on the same clock."""

    def __init__(self, infra: Infra, database: str, prefix: str, config: TocsinConfig) -> None:
        self.infra, self.database, self.prefix, self.config = infra, database, prefix, config
        self.clock = FakeClock(T0)
        self.runtime: Runtime | None = None

    async def start(self) -> Runtime:
        settings = incident_settings(
            dsn=self.database, bootstrap=self.infra.bootstrap_servers, prefix=self.prefix
        )
        self.runtime = build_runtime(settings, config=self.config, clock=self.clock)
        await self.runtime.start()
        return self.runtime

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        assert self.runtime is not None
        app = self.runtime.app(title="test")  # routes only: the runtime is already started
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://incident") as client:
            return await client.post(path, json=body, headers=AUTH)

    async def alert(self, dedup_key: str) -> UUID:
        """Produce a trigger to the raw topic; the id of the open incident once it is processed."""
        alert = RawAlertV1(
            alert_id=uuid4(),
            integration="checkout-native",
            service="checkout",
            dedup_key=dedup_key,
            summary=f"{dedup_key} is down",
            received_at=self.clock.now(),
        )
        raw = (alert.partition_key().encode(), alert.model_dump_json().encode(), {})
        await produce(self.infra.bootstrap_servers, ALERTS_RAW.qualified(self.prefix), [raw])

        async def processed() -> UUID | None:
            rows = await self.fetch(
                "SELECT i.id FROM incident.alerts a JOIN incident.incidents i"
                " ON i.id = a.incident_id WHERE a.alert_id = $1",
                alert.alert_id,
            )
            return rows[0]["id"] if rows else None

        found: UUID = await eventually(processed)
        return found

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def incident(self, incident_id: UUID) -> asyncpg.Record:
        (row,) = await self.fetch("SELECT * FROM incident.incidents WHERE id = $1", incident_id)
        return row

    async def timeline(self, incident_id: UUID) -> list[tuple[str, str, dict[str, Any]]]:
        rows = await self.fetch(
            "SELECT kind, actor_kind, detail FROM incident.timeline WHERE incident_id = $1"
            " ORDER BY id",
            incident_id,
        )
        return [(r["kind"], r["actor_kind"], json.loads(r["detail"])) for r in rows]

    async def live_timer(self, kind: str, incident_id: UUID) -> datetime | None:
        rows = await self.fetch(
            "SELECT due_at FROM incident.timers WHERE kind = $1 AND subject = $2"
            " AND fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL",
            kind,
            str(incident_id),
        )
        return rows[0]["due_at"] if rows else None

    async def events(self, *, expect: int) -> list[tuple[str, dict[str, Any]]]:
        """(ce_type, data) of each incident event on Kafka, in order per incident.

        Delivery is at least once (a relay stopped between publish and mark publishes again),
        so a copy of an event already seen (same ce_id) is dropped, as every consumer does.
        """
        topic = INCIDENT_EVENTS.qualified(self.prefix)

        async def unique() -> list[tuple[str, dict[str, Any]]] | None:
            records = await read_all(self.infra.bootstrap_servers, topic, expect=expect)
            found, seen = [], set()
            for record in records:
                headers = dict(record.headers)
                if headers["ce_id"] not in seen:
                    seen.add(headers["ce_id"])
                    found.append((headers["ce_type"].decode(), json.loads(record.value)))
            return found if len(found) >= expect else None

        events: list[tuple[str, dict[str, Any]]] = await eventually(unique, timeout_s=60)
        return events
