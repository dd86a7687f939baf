"""Escalation through the real notifier (Postgres + Kafka, durable timers, a webhook receiver):
level 1 pages, level 2 after its delay, ack stops, un-ack resumes, re-trigger restarts, repeat
runs the policy again, and a step due while the notifier is down fires on restart, marked late.

Time is a FakeClock handed to the runtime, so "not yet escalated" is a fact, not a race."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from tocsin_shared.clock import FakeClock
from tocsin_shared.config import parse_config
from tocsin_shared.contracts.events import (
    IncidentAcknowledgedV1,
    IncidentRetriggeredV1,
    IncidentTriggeredV1,
    IncidentUnacknowledgedV1,
    Severity,
    SlaBreachedV1,
)

from ..infra import Infra, eventually
from ..receiver import Receiver, running_receiver
from ..unit.fakes_notifier import escalation_yaml, incident_event
from .notifier_support import escalation_status, live_timers, query, send, start_notifier

MINUTE = timedelta(minutes=1)


def channels(receiver: Receiver) -> list[str]:
    return [r.json()["channel"] for r in receiver.received]


def has_pages(receiver: Receiver, expected: list[str]):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return channels(receiver) == expected

    return check


async def test_levels_escalate_ack_stops_unack_resumes_retrigger_restarts(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    clock = FakeClock()
    incident = uuid4()
    async with running_receiver() as receiver:
        config = parse_config(escalation_yaml(receiver.url, delays=(1, 2, 1)), source="test")
        runtime = await start_notifier(infra, database, topic_prefix, config=config, clock=clock)
        try:
            await send(
                infra, topic_prefix, incident_event(IncidentTriggeredV1, incident, at=clock.now())
            )
            await eventually(has_pages(receiver, ["l0"]))
            assert await live_timers(database) == 1  # level 1 waits for the clock
            clock.advance(MINUTE)
            await eventually(has_pages(receiver, ["l0", "l1"]))

            await send(
                infra,
                topic_prefix,
                incident_event(IncidentAcknowledgedV1, incident, at=clock.now()),
            )

            async def paused() -> bool:
                return await escalation_status(database) == "acknowledged"

            await eventually(paused)
            assert await live_timers(database) == 0  # nothing left that could page
            clock.advance(10 * MINUTE)

            await send(
                infra,
                topic_prefix,
                incident_event(IncidentUnacknowledgedV1, incident, at=clock.now()),
            )
            await eventually(has_pages(receiver, ["l0", "l1", "l1"]))  # from the current level
            clock.advance(2 * MINUTE)
            await eventually(has_pages(receiver, ["l0", "l1", "l1", "l2"]))

            await send(
                infra,
                topic_prefix,
                incident_event(IncidentAcknowledgedV1, incident, at=clock.now()),
            )
            await eventually(paused)
            await send(
                infra, topic_prefix, incident_event(IncidentRetriggeredV1, incident, at=clock.now())
            )
            await eventually(has_pages(receiver, ["l0", "l1", "l1", "l2", "l0"]))  # a new cycle
            keys = [r.headers["idempotency-key"] for r in receiver.received]
            assert len(set(keys)) == 5 and keys[-1] == f"{incident}:L0:l0:l0:c1"
        finally:
            await runtime.stop()


async def test_repeat_runs_the_policy_again(infra: Infra, database: str, topic_prefix: str) -> None:
    clock = FakeClock()
    async with running_receiver() as receiver:
        config = parse_config(escalation_yaml(receiver.url, repeat=1), source="test")
        runtime = await start_notifier(infra, database, topic_prefix, config=config, clock=clock)
        try:
            await send(
                infra, topic_prefix, incident_event(IncidentTriggeredV1, uuid4(), at=clock.now())
            )
            expected = ["l0"]
            await eventually(has_pages(receiver, expected))
            for channel in ["l1", "l2", "l0", "l1", "l2"]:
                clock.advance(MINUTE)
                expected.append(channel)
                await eventually(has_pages(receiver, list(expected)))
            clock.advance(MINUTE)

            async def exhausted() -> bool:
                return await escalation_status(database) == "exhausted"

            await eventually(exhausted)
            assert await live_timers(database) == 0 and len(receiver.received) == 6
        finally:
            await runtime.stop()


async def test_a_step_due_while_the_notifier_is_down_fires_on_restart_marked_late(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    clock = FakeClock()
    async with running_receiver() as receiver:
        config = parse_config(escalation_yaml(receiver.url), source="test")
        runtime = await start_notifier(infra, database, topic_prefix, config=config, clock=clock)
        try:
            await send(
                infra, topic_prefix, incident_event(IncidentTriggeredV1, uuid4(), at=clock.now())
            )
            await eventually(has_pages(receiver, ["l0"]))
        finally:
            await runtime.stop()
        clock.advance(MINUTE + 15 * MINUTE)  # level 1 came due 15 minutes into the outage
        runtime = await start_notifier(infra, database, topic_prefix, config=config, clock=clock)
        try:
            await eventually(has_pages(receiver, ["l0", "l1"]))
            first, late = (r.json()["escalation"] for r in receiver.received)
            assert first["late"] is False
            assert late["late"] is True and late["late_by_s"] == 900.0
        finally:
            await runtime.stop()


async def test_an_sla_breach_event_escalates_at_once(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    clock = FakeClock()
    incident = uuid4()
    async with running_receiver() as receiver:
        yaml = escalation_yaml(receiver.url, delays=(30, 30, 30)).replace(
            "    repeat: ", "    on_sla_breach: {action: escalate}\n    repeat: ", 1
        )
        config = parse_config(yaml, source="test")
        runtime = await start_notifier(infra, database, topic_prefix, config=config, clock=clock)
        try:
            await send(
                infra, topic_prefix, incident_event(IncidentTriggeredV1, incident, at=clock.now())
            )
            await eventually(has_pages(receiver, ["l0"]))
            breached = SlaBreachedV1(
                clock_id=uuid4(),
                incident_id=incident,
                policy="checkout-tta",
                target="time_to_acknowledge",
                cycle=0,
                generation=0,
                service="checkout",
                severity=Severity.CRITICAL,
                due_at=clock.now(),
                emitted_at=clock.now(),
            )
            await send(infra, topic_prefix, breached)
            await eventually(has_pages(receiver, ["l0", "l1"]))  # not 30 minutes later
        finally:
            await runtime.stop()


async def test_two_replicas_neither_skip_nor_repeat_a_step(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    clock = FakeClock()
    async with running_receiver() as receiver:
        config = parse_config(escalation_yaml(receiver.url), source="test")
        first = await start_notifier(infra, database, topic_prefix, config=config, clock=clock)
        second = await start_notifier(infra, database, topic_prefix, config=config, clock=clock)
        try:
            incidents = [uuid4() for _ in range(5)]
            await send(
                infra,
                topic_prefix,
                *(incident_event(IncidentTriggeredV1, i, at=clock.now()) for i in incidents),
            )
            for level in range(3):
                await eventually(lambda n=5 * (level + 1): _delivered(database, n))
                clock.advance(MINUTE)  # both replicas' timer loops race for each step
            await eventually(lambda: _exhausted(database, 5))
            keys = [r.headers["idempotency-key"] for r in receiver.received]
            assert len(keys) == len(set(keys)) == 15  # three levels x five incidents, once each
        finally:
            await first.stop()
            await second.stop()


async def _exhausted(database: str, count: int) -> bool:
    rows = await query(database, "SELECT status FROM notifier.escalations")
    return [r["status"] for r in rows] == ["exhausted"] * count


async def _delivered(database: str, count: int) -> bool:
    rows = await query(database, "SELECT status FROM notifier.notifications")
    return [r["status"] for r in rows] == ["delivered"] * count
