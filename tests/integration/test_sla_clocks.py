"""SLA clocks against real Postgres and a real broker, on wall time: warnings and breaches on
time and once each, acknowledgement before the breach, pause and resume, two replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import pytest
from tocsin_shared.contracts.events import SlaEventData
from tocsin_shared.runtime import Runtime

from ..incident_events import acknowledged
from ..infra import Infra
from .sla_support import (
    BUDGET,
    SERVICE,
    migrate_sla,
    now,
    of,
    retrigger,
    send,
    sla_events,
    sla_settings,
    snooze,
    started,
    trigger,
    warm_up,
)

ON_TIME = timedelta(seconds=1)


@pytest.fixture
async def monitor(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[Runtime]:
    await migrate_sla(database)
    runtime = await started(sla_settings(infra, database, topic_prefix))
    try:
        await warm_up(infra, topic_prefix)
        yield runtime
    finally:
        await runtime.stop()


def _assert_on_time(event: SlaEventData) -> None:
    lateness = event.emitted_at - event.due_at
    assert timedelta(0) <= lateness < ON_TIME, (event.ce_type(), lateness)
    assert event.late is False


async def test_warnings_and_the_breach_are_emitted_on_time_exactly_once(
    monitor: Runtime, infra: Infra, topic_prefix: str
) -> None:
    incident_id = uuid4()
    t0 = now()

    await send(infra, topic_prefix, trigger(incident_id, at=t0))
    # attached + three warnings + breach
    envelopes = await sla_events(infra, topic_prefix, expect=5)
    # Wait past the breach long enough for a duplicate to show up if there were one.
    await asyncio.sleep(max((t0 + BUDGET - now()).total_seconds(), 0) + 3)
    envelopes = await sla_events(infra, topic_prefix, expect=5)

    warnings = of(envelopes, "warning", incident_id)
    breaches = of(envelopes, "breached", incident_id)
    assert sorted(w.percent for w in warnings) == [50, 75, 90]  # type: ignore[attr-defined]
    assert len(breaches) == 1
    assert breaches[0].due_at == t0 + BUDGET
    for event in (*warnings, *breaches):
        _assert_on_time(event)
    assert len({e.id for e in envelopes}) == len(envelopes)
    assert len(of(envelopes, "attached", incident_id)) == 1


async def test_an_acknowledgement_stops_the_clock_before_its_breach(
    monitor: Runtime, infra: Infra, topic_prefix: str
) -> None:
    incident_id = uuid4()
    t0 = now()

    await send(infra, topic_prefix, trigger(incident_id, at=t0))
    await send(
        infra,
        topic_prefix,
        acknowledged(incident_id, at=t0 + timedelta(seconds=2), service=SERVICE),
    )
    await sla_events(infra, topic_prefix, expect=2)  # attached, met
    await asyncio.sleep(max((t0 + BUDGET - now()).total_seconds(), 0) + 3)
    envelopes = await sla_events(infra, topic_prefix, expect=2)

    met = of(envelopes, "met", incident_id)
    assert len(met) == 1
    assert met[0].elapsed_s == 2.0  # type: ignore[attr-defined]
    assert of(envelopes, "breached", incident_id) == []
    assert of(envelopes, "warning", incident_id) == []


async def test_pause_and_resume_move_the_due_time_by_the_paused_time(
    monitor: Runtime, infra: Infra, topic_prefix: str
) -> None:
    incident_id = uuid4()
    t0 = now()
    paused_for = timedelta(seconds=3)

    await send(
        infra,
        topic_prefix,
        trigger(incident_id, at=t0),
        snooze(incident_id, at=t0 + timedelta(seconds=1)),
        retrigger(incident_id, at=t0 + timedelta(seconds=1) + paused_for),
    )
    # attached, paused, resumed, three warnings, breach
    envelopes = await sla_events(infra, topic_prefix, expect=7)

    moved = t0 + BUDGET + paused_for
    resumed = of(envelopes, "resumed", incident_id)
    breaches = of(envelopes, "breached", incident_id)
    assert len(of(envelopes, "paused", incident_id)) == 1
    assert [r.due_at for r in resumed] == [moved]
    assert [b.due_at for b in breaches] == [moved]
    _assert_on_time(breaches[0])
    warnings = of(envelopes, "warning", incident_id)
    assert sorted(w.due_at for w in warnings) == [
        t0 + BUDGET * 0.5 + paused_for,
        t0 + BUDGET * 0.75 + paused_for,
        t0 + BUDGET * 0.9 + paused_for,
    ]


async def test_two_replicas_on_one_database_and_group_emit_each_event_once(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    await migrate_sla(database)
    first = await started(sla_settings(infra, database, topic_prefix, instance_id="replica-a"))
    second = await started(sla_settings(infra, database, topic_prefix, instance_id="replica-b"))
    try:
        await warm_up(infra, topic_prefix)
        t0 = now()
        incidents = [uuid4() for _ in range(6)]
        await send(infra, topic_prefix, *(trigger(i, at=t0) for i in incidents))
        expected = 5 * len(incidents)  # attached, three warnings, breach each
        await sla_events(infra, topic_prefix, expect=expected)
        await asyncio.sleep(max((t0 + BUDGET - now()).total_seconds(), 0) + 3)
        envelopes = await sla_events(infra, topic_prefix, expect=expected)
    finally:
        await asyncio.gather(first.stop(), second.stop())

    assert len(envelopes) == expected
    assert len({e.id for e in envelopes}) == expected
    for incident_id in incidents:
        assert len(of(envelopes, "breached", incident_id)) == 1
        assert len(of(envelopes, "warning", incident_id)) == 3
