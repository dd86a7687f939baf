"""Chaos against the whole system as real processes (one system for the module, scenarios in
order): poison on every consumed topic, the database away, then kill -9 of each service and of
Postgres under HTTP load, with the promises checked at the end over everything the module did:
no accepted alert lost, no dedup key open twice, every page once per idempotency key, every SLA
event once. Short by default; `make chaos` (TOCSIN_CHAOS_SCALE=full) runs the long versions."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
from tocsin_shared.contracts.topics import dead_letter
from tocsin_shared.messaging.dead_letter import (
    ATTEMPTS_HEADER,
    CONSUMER_HEADER,
    ERROR_HEADER,
    ORIGIN_HEADER,
)

from ..infra import eventually
from ..receiver import Receiver
from ..samples import RESPONDER_TOKEN
from .checks import (
    CONSUMERS,
    POISON,
    SETTLE_S,
    accepted_grows,
    drained,
    page_key,
    sla_events_once,
)
from .harness import ChaosSystem
from .probes import (
    Load,
    incident_ids,
    produce_to_every_partition,
    query,
    read_to_end,
    reflected,
)
from .scale import SCALE

VICTIMS = ("incident", "notifier", "sla-monitor", "problem", "postgres")


async def test_poison_on_every_consumed_topic_is_dead_lettered_and_the_rest_flows(
    system: ChaosSystem, receiver: Receiver
) -> None:
    headers = [("ce_id", b"chaos-poison"), ("ce_type", b"tocsin.incident.triggered")]
    poisoned = {
        topic: await produce_to_every_partition(
            system.bootstrap, system.topic(topic.name), value=POISON, headers=headers
        )
        for topic in CONSUMERS
    }
    # Good messages behind the poison: alerts (raw, then incident, SLA and notification events
    # as they flow) and a problem created by hand (a problem event).
    load = Load(system.url("incident"), new_key_ratio=1.0)
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(3):
            assert await load.send(client, load.next_key()) == 202
        created = await client.post(
            f"{system.url('problem')}/v1/problems",
            json={"statement": "chaos: a good problem event behind the poison"},
            headers={"Authorization": f"Bearer {RESPONDER_TOKEN}"},
        )
        assert created.status_code == 201, created.text

    async def paged() -> bool:
        keys = {page_key(i) for i in await incident_ids(system.dsn)}
        got = {r.headers["idempotency-key"] for r in receiver.received}
        return len(keys) == len(load.keys) and keys <= got

    await eventually(paged, timeout_s=SETTLE_S)
    await drained(system)

    dead_lettered = 0
    for topic, consumers in CONSUMERS.items():
        dead = await read_to_end(system.bootstrap, system.topic(dead_letter(topic).name))
        for service, name in consumers:
            group = system.group(service, name).encode()
            mine = [dict(r.headers) | {"value": r.value} for r in dead]
            mine = [h for h in mine if h[CONSUMER_HEADER] == group]
            # Exactly the poison, one per partition; nothing good went to the dead letters.
            assert {h[ORIGIN_HEADER].decode() for h in mine} == poisoned[topic], (service, name)
            assert len(mine) == len(poisoned[topic])
            assert all(h["value"] == POISON and h[ERROR_HEADER] for h in mine)
            assert all(h[ATTEMPTS_HEADER] == b"1" and h["ce_id"] == b"chaos-poison" for h in mine)
            dead_lettered += len(mine)
    print(f"\nCHAOS poison: {sum(map(len, poisoned.values()))} poison records on 5 topics,")
    print(f"  {dead_lettered} dead letters (one per consuming group and partition), all flowing")


async def test_database_outage_readyz_not_ready_ingest_202_nothing_lost(
    system: ChaosSystem, receiver: Receiver
) -> None:
    load = Load(system.url("incident"), new_key_ratio=0.2)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(system.postgres.stop)
    started = loop.time()
    sending = asyncio.create_task(load.run(stop, workers=1, pace_s=SCALE.pace_s))
    try:
        await system.wait_all(503)
        await accepted_grows(load, 5)
        # The scenario is an outage of this length; the load keeps coming all along.
        await asyncio.sleep(max(0.0, SCALE.outage_s - (loop.time() - started)))
        stop.set()
        await sending
        outage_s = loop.time() - started
    finally:
        stop.set()
        await asyncio.to_thread(system.postgres.restart)
    totals = load.totals()
    assert totals["accepted"] == totals["sent"] > 0, totals  # every alert answered 202
    await system.wait_all(200)

    async def all_reflected() -> bool:
        counts = await reflected(system.dsn)
        return all(counts.get(k, (0, 0))[0] == n for k, n in load.accepted.items())

    await eventually(all_reflected, timeout_s=SETTLE_S)

    async def all_paged() -> bool:
        wanted = {page_key(i) for i in await incident_ids(system.dsn, keys=list(load.accepted))}
        return wanted <= {r.headers["idempotency-key"] for r in receiver.received}

    await eventually(all_paged, timeout_s=SETTLE_S)
    print(f"\nCHAOS db outage: {outage_s:.1f} s down; during it {totals};")
    print("  after it every accepted alert reflected and every new incident paged")


async def test_kill_9_each_process_under_load_loses_and_doubles_nothing(
    system: ChaosSystem, receiver: Receiver
) -> None:
    load = Load(system.url("incident"), new_key_ratio=SCALE.new_key_ratio)
    stop = asyncio.Event()
    sending = asyncio.create_task(load.run(stop, workers=SCALE.load_workers, pace_s=SCALE.pace_s))
    in_flight: dict[str, set[str]] = {}
    phases: list[str] = []
    loop = asyncio.get_running_loop()
    try:
        await accepted_grows(load, SCALE.accepted_per_phase)
        for victim in VICTIMS:
            began = loop.time()
            in_flight[victim] = await kill_9_and_restart(system, victim)
            if SCALE.full:  # each one back and taking load before the next kill
                await system.wait_all(200)
                ready = loop.time()
                await accepted_grows(load, SCALE.accepted_per_phase)
                phases.append(f"{victim} ready {ready - began:.1f}s +{loop.time() - ready:.1f}s")
        if not SCALE.full:
            # Short: the kills follow each other while the restarted processes start (a Python
            # service needs 10-20 s to start on this busy machine); all of them must come back.
            began = loop.time()
            await system.wait_all(200)
            ready = loop.time()
            await accepted_grows(load, SCALE.accepted_per_phase)
            phases.append(f"all ready {ready - began:.1f}s +{loop.time() - ready:.1f}s")
    finally:
        stop.set()
        await sending
    began = loop.time()
    await drained(system)

    # Alerts: every 202 reflected; nothing counted twice. A request whose answer was lost (the
    # edge killed mid-request) may or may not have been taken: it may add one, never more.
    counts = await reflected(system.dsn)
    for key in load.sent:
        alerts, _ = counts.get(key, (0, 0))
        assert load.accepted[key] <= alerts <= load.accepted[key] + load.unanswered[key], key
    assert all(open_ <= 1 for _, open_ in counts.values())
    reflected_total = sum(counts.get(k, (0, 0))[0] for k in load.sent)

    # Pages: one per incident (level 1 of its policy), counted by idempotency key.
    expected = {page_key(i) for i in await incident_ids(system.dsn)}

    async def all_paged() -> bool:
        return expected <= {r.headers["idempotency-key"] for r in receiver.received}

    await eventually(all_paged, timeout_s=SETTLE_S)
    by_key = Counter(r.headers["idempotency-key"] for r in receiver.received)
    assert set(by_key) == expected
    repeated = {k for k, n in by_key.items() if n > 1}
    for key in repeated:  # a re-send of the same page (lease expired after a crash), not a new one
        bodies = [r.json() for r in receiver.received if r.headers["idempotency-key"] == key]
        assert len({b["notification_id"] for b in bodies}) == 1, key

    sla = await sla_events_once(system, incidents=len(expected))
    phases.append(f"settled {loop.time() - began:.1f}s")
    print(f"\nCHAOS kill -9 of {', '.join(VICTIMS)} under load ({SCALE.scale}):")
    print(f"  alerts {load.totals()}, reflected {reflected_total}")
    print(f"  pages expected {len(expected)}, delivered {len(by_key)} distinct keys,")
    raw_repeats = sum(n - 1 for n in by_key.values())
    print(
        f"    received {by_key.total()}; keys received more than once (the same page each)", end=""
    )
    print(f" {len(repeated)}, {raw_repeats} raw repeats,", end=" ")
    print(
        f"of which in flight at the notifier kill {len(repeated & in_flight['notifier'])}", end=""
    )
    print(f" (sending then: {len(in_flight['notifier'])}), just before the Postgres kill", end=" ")
    print(f"{len(repeated & in_flight['postgres'])} (sending then: {len(in_flight['postgres'])})")
    print(f"  SLA {json.dumps(sla)}")
    print(f"  phases: {'; '.join(phases)}")


SENDING = "SELECT idempotency_key FROM notifier.notifications WHERE status = 'sending'"


async def kill_9_and_restart(system: ChaosSystem, victim: str) -> set[str]:
    """Kill -9 and start again; the pages the notifier's ledger had in flight at the kill (for
    Postgres: just before it, for the report only, since sends can start in between)."""
    if victim == "postgres":
        in_flight = {r["idempotency_key"] for r in await query(system.dsn, SENDING)}
        await asyncio.to_thread(system.postgres.kill_9)
        await asyncio.to_thread(system.postgres.restart)
        return in_flight
    service = system.services[victim]
    if victim == "notifier" and SCALE.full:  # kill it with a page on the wire

        async def sending() -> bool:
            return bool(await query(system.dsn, SENDING))

        await eventually(sending, timeout_s=SETTLE_S, interval_s=0.02)
    await asyncio.to_thread(service.kill_9)
    in_flight = set()
    if victim == "notifier":
        in_flight = {r["idempotency_key"] for r in await query(system.dsn, SENDING)}
    service.start()
    return in_flight
