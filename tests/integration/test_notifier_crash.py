"""Kill -9 of a real notifier process while deliveries are in flight, then a restart: every due
page arrives; counted by idempotency key there is no miss and no duplicate; the only raw repeats
are sends that were in flight at the kill (the ledger said `sending`), each with the same key."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
from tocsin_cli.embedded import free_port
from tocsin_notifier import MIGRATIONS, SCHEMA
from tocsin_shared.contracts.events import IncidentTriggeredV1
from tocsin_shared.db import migrate

from ..infra import Infra, eventually
from ..receiver import running_receiver
from ..samples import config_yaml
from ..unit.fakes_notifier import incident_event
from .notifier_support import query, send

BURST = 50


@contextmanager
def notifier_process(
    tmp: Path, *, run: str, infra: Infra, database: str, prefix: str
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    env |= {
        "TOCSIN_DATABASE_URL": database,
        "TOCSIN_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers,
        "TOCSIN_TOPIC_PREFIX": prefix,
        "TOCSIN_CONFIG": str(tmp / "tocsin.yaml"),
        "TOCSIN_NOTIFIER_PORT": str(port),
        "TOCSIN_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "TOCSIN_DELIVERY_BATCH_SIZE": "5",
        "TOCSIN_DELIVERY_POLL_INTERVAL_S": "0.05",
        "TOCSIN_DELIVERY_LEASE_S": "2",
    }
    with open(tmp / f"{run}.out", "wb") as out:
        args = [sys.executable, "-m", "tocsin_notifier"]
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


async def ready(port: int) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def test_kill_9_mid_burst_then_restart_delivers_every_page_exactly_once_by_key(
    infra: Infra, database: str, topic_prefix: str, tmp_path: Path
) -> None:
    await migrate.apply(database, schema=SCHEMA, directory=MIGRATIONS, component="notifier")
    incidents = [uuid4() for _ in range(BURST)]
    expected = {f"{i}:L0:ops-webhook:ops-webhook:c0" for i in incidents}
    async with running_receiver(delay_s=0.2) as receiver:
        (tmp_path / "tocsin.yaml").write_text(config_yaml(webhook_url=receiver.url))
        common = {"infra": infra, "database": database, "prefix": topic_prefix}
        with notifier_process(tmp_path, run="first", **common) as (first, port):
            await eventually(lambda: ready(port), timeout_s=90)
            now = datetime.now(UTC)
            await send(
                infra,
                topic_prefix,
                *(incident_event(IncidentTriggeredV1, i, at=now) for i in incidents),
            )

            async def mid_burst() -> bool:
                return len(receiver.received) >= 10

            await eventually(mid_burst, timeout_s=90)
            os.kill(first.pid, signal.SIGKILL)
            await asyncio.to_thread(first.wait, 30)
        before_kill = Counter(r.headers["idempotency-key"] for r in receiver.received)
        rows = await query(
            database, "SELECT idempotency_key FROM notifier.notifications WHERE status = 'sending'"
        )
        in_flight = {r["idempotency_key"] for r in rows}
        assert len(before_kill) < BURST, "the kill came after the burst: nothing was tested"
        assert in_flight, "nothing was in flight at the kill: nothing was tested"

        with notifier_process(tmp_path, run="second", **common) as (_, port):
            await eventually(lambda: ready(port), timeout_s=90)

            async def all_delivered() -> bool:
                done = await query(
                    database,
                    "SELECT count(*) AS n FROM notifier.notifications WHERE status = 'delivered'",
                )
                return done[0]["n"] == BURST

            await eventually(all_delivered, timeout_s=120)

    by_key = Counter(r.headers["idempotency-key"] for r in receiver.received)
    assert set(by_key) == expected  # no miss, nothing unexpected
    repeated = {key for key, n in by_key.items() if n > 1}
    assert repeated <= in_flight, f"repeats of sends not in flight: {repeated - in_flight}"
    assert all(by_key[key] == 2 for key in repeated)
    for key in repeated:  # the same page, not a new one that happens to share the key
        bodies = [r.json() for r in receiver.received if r.headers["idempotency-key"] == key]
        assert len({b["notification_id"] for b in bodies}) == 1
