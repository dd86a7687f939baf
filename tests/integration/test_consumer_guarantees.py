"""Inbox, dead letters and the crash window, through the incident processor's real code path."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.topics import ALERTS_RAW, dead_letter
from tocsin_shared.messaging.dead_letter import ATTEMPTS_HEADER, CONSUMER_HEADER, ERROR_HEADER

from ..conftest import REPO
from ..infra import Infra, eventually
from ..kafka_tools import committed_total, produce, read_all
from .incident_runtime import incident_settings, migrate_incident, started_runtime


def _raw(dedup_key: str, *, alert_id: str | None = None) -> tuple[bytes, bytes, dict[str, bytes]]:
    alert = RawAlertV1(
        alert_id=alert_id or uuid4(),
        integration="checkout-native",
        service="checkout",
        dedup_key=dedup_key,
        summary=f"{dedup_key} is down",
        received_at=datetime.now(UTC),
    )
    return alert.partition_key().encode(), alert.model_dump_json().encode(), {}


async def _incident(dsn: str, dedup_key: str) -> asyncpg.Record | None:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchrow(
            "SELECT alert_count, status FROM incident.incidents WHERE dedup_key = $1", dedup_key
        )
    finally:
        await conn.close()


async def test_an_alert_delivered_twice_counts_once(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    await migrate_incident(database)
    topic = ALERTS_RAW.qualified(topic_prefix)
    same = _raw("db-down", alert_id=str(uuid4()))
    await produce(infra.bootstrap_servers, topic, [same, same, _raw("db-down")])
    settings = incident_settings(
        dsn=database, bootstrap=infra.bootstrap_servers, prefix=topic_prefix
    )
    runtime = await started_runtime(settings)
    try:

        async def three_alerts_seen() -> bool:
            conn = await asyncpg.connect(database)
            try:
                return await conn.fetchval("SELECT count(*) FROM incident.inbox") == 2
            finally:
                await conn.close()

        await eventually(three_alerts_seen)
        await asyncio.sleep(0.5)
        row = await _incident(database, "db-down")
        assert row is not None
        assert row["alert_count"] == 2  # the redelivered copy changed nothing
    finally:
        await runtime.stop()


async def test_poison_message_is_dead_lettered_and_the_partition_moves_on(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    await migrate_incident(database)
    topic = ALERTS_RAW.qualified(topic_prefix)
    key, good_before, _ = _raw("same-key")
    _, good_after, _ = _raw("other-key")
    items = [
        (key, good_before, {}),
        (key, b"{not json", {"ce_id": b"poison-1"}),
        (key, json.dumps({"service": "checkout"}).encode(), {}),  # valid JSON, invalid alert
        (key, good_after, {}),
    ]
    await produce(infra.bootstrap_servers, topic, items)
    settings = incident_settings(
        dsn=database, bootstrap=infra.bootstrap_servers, prefix=topic_prefix
    )
    runtime = await started_runtime(settings)
    try:
        assert await eventually(lambda: _incident(database, "other-key"))
        dead = await read_all(
            infra.bootstrap_servers, dead_letter(ALERTS_RAW).qualified(topic_prefix), expect=2
        )
        assert len(dead) == 2
        headers = dict(dead[0].headers)
        assert dead[0].value == b"{not json"
        assert b"not JSON" in headers[ERROR_HEADER]
        assert headers[ATTEMPTS_HEADER] == b"1"
        assert headers[CONSUMER_HEADER] == f"{topic_prefix}tocsin-incident-processor".encode()
        assert await _incident(database, "same-key") is not None
    finally:
        await runtime.stop()


async def test_killed_after_db_commit_before_offset_commit_applies_once(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    await migrate_incident(database)
    topic = ALERTS_RAW.qualified(topic_prefix)
    await produce(infra.bootstrap_servers, topic, [_raw("crash-key")])
    crashed = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "tests.integration.crash_after_commit",
            database,
            infra.bootstrap_servers,
            topic_prefix,
        ],
        cwd=REPO,
        timeout=90,
        capture_output=True,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()[-2000:]
    row = await _incident(database, "crash-key")
    assert row is not None and row["alert_count"] == 1  # the commit happened before the kill

    group = f"{topic_prefix}tocsin-incident-processor"
    assert (
        await committed_total(infra.bootstrap_servers, group, topic) == 0
    )  # killed before the commit

    settings = incident_settings(
        dsn=database, bootstrap=infra.bootstrap_servers, prefix=topic_prefix
    )
    runtime = await started_runtime(settings)
    try:

        async def redelivered_and_committed() -> bool:
            # The restarted group reads the alert again (it was never committed) and commits it.
            return await committed_total(infra.bootstrap_servers, group, topic) == 1

        await eventually(redelivered_and_committed, timeout_s=40)
        row = await _incident(database, "crash-key")
        assert row is not None and row["alert_count"] == 1  # ... but the inbox turned it away
        conn = await asyncpg.connect(database)
        try:
            assert await conn.fetchval("SELECT count(*) FROM incident.alerts") == 1
            assert await conn.fetchval("SELECT count(*) FROM incident.inbox") == 1
        finally:
            await conn.close()
    finally:
        await runtime.stop()
