"""kill -9 of a real SLA monitor process before a due time: the restarted monitor emits the
breach (and the warnings) that came due while it was down, once each, marked late."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import asyncpg

from ..conftest import REPO
from ..infra import Infra, eventually
from .sla_support import (
    BUDGET,
    CONFIG_YAML,
    TIMEOUT_S,
    migrate_sla,
    now,
    of,
    send,
    sla_events,
    sla_settings,
    started,
    trigger,
    warm_up,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _clock_row(dsn: str, incident_id: object) -> asyncpg.Record | None:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchrow(
            "SELECT breached_at, fired FROM sla.clocks WHERE incident_id = $1", incident_id
        )
    finally:
        await conn.close()


async def test_a_breach_due_while_the_monitor_was_killed_fires_once_late_on_restart(
    infra: Infra, database: str, topic_prefix: str, tmp_path: Path
) -> None:
    await migrate_sla(database)
    config = tmp_path / "tocsin.yaml"
    config.write_text(CONFIG_YAML)
    env = {
        **os.environ,
        "TOCSIN_DATABASE_URL": database,
        "TOCSIN_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers,
        "TOCSIN_TOPIC_PREFIX": topic_prefix,
        "TOCSIN_CONFIG": str(config),
        "TOCSIN_SLA_MONITOR_PORT": str(_free_port()),
        "TOCSIN_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "TOCSIN_OUTBOX_POLL_INTERVAL_S": "0.1",
    }
    log = (tmp_path / "monitor.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tocsin_sla_monitor", cwd=REPO, env=env, stdout=log, stderr=log
    )
    restarted = None
    try:
        await warm_up(infra, topic_prefix)
        incident_id = uuid4()
        t0 = now()
        await send(infra, topic_prefix, trigger(incident_id, at=t0))

        async def attached() -> bool:
            return await _clock_row(database, incident_id) is not None

        await eventually(attached, timeout_s=TIMEOUT_S)
        process.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(process.wait(), 30) == -signal.SIGKILL
        row = await _clock_row(database, incident_id)
        assert row is not None and row["breached_at"] is None and list(row["fired"]) == []

        # Down until well past the breach, then a fresh monitor on the same database and group.
        await asyncio.sleep(max((t0 + BUDGET - now()).total_seconds(), 0) + 2)
        restarted = await started(sla_settings(infra, database, topic_prefix))
        envelopes = await sla_events(infra, topic_prefix, expect=5)  # attached, 3 warnings, breach
        await asyncio.sleep(3)  # room for a duplicate to show up, if there were one
        envelopes = await sla_events(infra, topic_prefix, expect=5)
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), 30)
        log.close()
        if restarted is not None:
            await restarted.stop()

    breaches = of(envelopes, "breached", incident_id)
    assert len(breaches) == 1
    assert breaches[0].due_at == t0 + BUDGET
    assert breaches[0].late is True
    assert breaches[0].emitted_at - breaches[0].due_at >= timedelta(seconds=2)
    warnings = of(envelopes, "warning", incident_id)
    assert sorted(w.percent for w in warnings) == [50, 75, 90]  # type: ignore[attr-defined]
    assert all(w.late for w in warnings)
    # The killed process may have published `attached` without marking its outbox row: the relay
    # delivers at least once, and the CloudEvent id (the clock's identity) lets consumers dedupe.
    attached = {e.id for e in envelopes if e.type == "tocsin.sla.attached.v1"}
    assert len(attached) == 1
    assert len({e.id for e in envelopes if e.type != "tocsin.sla.attached.v1"}) == 4
