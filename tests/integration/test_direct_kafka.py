"""A pipeline producing native-format alerts straight to the raw topic: same semantics as HTTP."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.topics import ALERTS_RAW

from ..infra import Infra, eventually
from ..kafka_tools import produce
from .incident_runtime import incident_settings, migrate_incident, started_runtime


def _record(
    action: str, dedup_key: str, *, ce_id: str | None = None
) -> tuple[bytes, bytes, dict[str, bytes]]:
    # What a pipeline writes: no alert_id, integration or received_at; the processor fills them.
    body = {"service": "checkout", "dedup_key": dedup_key, "action": action, "summary": "disk full"}
    headers = {}
    if ce_id is not None:
        headers = {
            "ce_specversion": b"1.0",
            "ce_id": ce_id.encode(),
            "ce_source": b"/pipeline/vector",
            "ce_type": RawAlertV1.TYPE.encode(),
            "content-type": b"application/json",
        }
    return f"checkout\x1f{dedup_key}".encode(), json.dumps(body).encode(), headers


async def _incident(dsn: str, dedup_key: str) -> dict[str, Any] | None:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT status, alert_count FROM incident.incidents WHERE dedup_key = $1"
            " ORDER BY created_seq DESC LIMIT 1",
            dedup_key,
        )
        return dict(row) if row else None
    finally:
        await conn.close()


@pytest.mark.parametrize("with_headers", [False, True], ids=["bare-json", "cloudevents-headers"])
async def test_a_raw_topic_record_opens_then_resolves_an_incident(
    infra: Infra, database: str, topic_prefix: str, with_headers: bool
) -> None:
    await migrate_incident(database)
    topic = ALERTS_RAW.qualified(topic_prefix)
    key = f"disk-{'ce' if with_headers else 'bare'}"
    ids = iter(["t-1", "t-1", "r-1"]) if with_headers else iter([None, None, None])
    settings = incident_settings(
        dsn=database, bootstrap=infra.bootstrap_servers, prefix=topic_prefix
    )
    runtime = await started_runtime(settings)
    try:
        # With headers the same ce_id is one delivery; without, each record is its own alert.
        await produce(
            infra.bootstrap_servers,
            topic,
            [_record("trigger", key, ce_id=next(ids)), _record("trigger", key, ce_id=next(ids))],
        )
        expected_count = 1 if with_headers else 2

        async def opened() -> bool:
            found = await _incident(database, key)
            return found == {"status": "triggered", "alert_count": expected_count}

        await eventually(opened, timeout_s=45)

        await produce(infra.bootstrap_servers, topic, [_record("resolve", key, ce_id=next(ids))])

        async def resolved() -> bool:
            found = await _incident(database, key)
            # Processed in log order: the duplicate (if any) came before the resolve.
            return found == {"status": "resolved", "alert_count": expected_count}

        await eventually(resolved, timeout_s=45)
        conn = await asyncpg.connect(database)
        try:
            integrations = await conn.fetch(
                "SELECT DISTINCT integration FROM incident.alerts WHERE dedup_key = $1", key
            )
        finally:
            await conn.close()
        assert [r["integration"] for r in integrations] == ["kafka"]
    finally:
        await runtime.stop()
