"""Lifecycle command and timer handlers on the in-memory ports."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from tocsin_incident.domain.model import NO_ARGS, Args, Command, Conflict, IllegalTransition
from tocsin_incident.domain.timers import LifecyclePolicy, TimerKind
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_incident.handlers.commands import IncidentNotFound, change_status, merge_incidents
from tocsin_incident.handlers.timers import expire_timer
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import (
    Actor,
    IncidentMergedV1,
    IncidentReopenedV1,
    IncidentResolvedV1,
    IncidentRetriggeredV1,
    IncidentStatus,
)

from .fakes_incident import FakeWorld

CLOCK = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
ALICE = Actor(kind="user", id="alice")
POLICIES = {"checkout": LifecyclePolicy(ack_timeout=timedelta(minutes=10))}


async def trigger(world: FakeWorld, key: str = "k1") -> UUID:
    alert = RawAlertV1(
        integration="prom", service="checkout", dedup_key=key, received_at=CLOCK.now()
    )
    await process_raw_alert(alert, identity=str(alert.alert_id), uow_factory=world.uow, clock=CLOCK)
    incident = await world.incidents.open_for_key("checkout", key)
    assert incident is not None
    return incident.id


async def command(world: FakeWorld, incident_id: UUID, cmd: Command, args: Args = NO_ARGS) -> None:
    await change_status(
        incident_id, cmd, actor=ALICE, uow_factory=world.uow, clock=CLOCK, args=args
    )


async def test_reopen_brings_a_resolved_incident_back_and_announces_it() -> None:
    world = FakeWorld()
    incident_id = await trigger(world)
    await command(world, incident_id, Command.RESOLVE)
    await command(world, incident_id, Command.REOPEN)
    assert world.incidents.rows[incident_id].status is IncidentStatus.TRIGGERED
    assert isinstance(world.published[-1], IncidentReopenedV1)


async def test_reopen_is_a_conflict_while_another_incident_holds_the_key() -> None:
    world = FakeWorld()
    first = await trigger(world)
    await command(world, first, Command.RESOLVE)
    second = await trigger(world)  # a new trigger after the resolve opened a new incident
    assert second != first
    published = len(world.published)
    with pytest.raises(Conflict, match=str(second)):
        await command(world, first, Command.REOPEN)
    assert world.incidents.rows[first].status is IncidentStatus.RESOLVED
    assert len(world.published) == published


async def test_an_illegal_command_changes_nothing() -> None:
    world = FakeWorld()
    incident_id = await trigger(world)
    with pytest.raises(IllegalTransition):
        await command(world, incident_id, Command.UNACKNOWLEDGE)
    with pytest.raises(IncidentNotFound):
        await command(world, uuid4(), Command.NOTE, Args(text="hi"))
    assert len(world.published) == 1


async def test_merge_resolves_the_source_into_the_target_with_both_announced() -> None:
    world = FakeWorld()
    source, target = await trigger(world, "a"), await trigger(world, "b")
    await trigger(world, "a")  # a second alert on the source
    await merge_incidents(source, target, actor=ALICE, uow_factory=world.uow, clock=CLOCK)
    rows = world.incidents.rows
    assert rows[source].status is IncidentStatus.RESOLVED and rows[source].merged_into == target
    assert rows[target].alert_count == 3
    kinds = [(type(e), e.incident_id) for e in world.published[-3:]]  # type: ignore[attr-defined]
    assert kinds == [
        (IncidentResolvedV1, source),
        (IncidentMergedV1, source),
        (IncidentMergedV1, target),
    ]


@pytest.mark.parametrize("case", ["itself", "resolved_target", "resolved_source", "unknown"])
async def test_merge_refusals(case: str) -> None:
    world = FakeWorld()
    source, target = await trigger(world, "a"), await trigger(world, "b")
    if case == "itself":
        target = source
    if case == "resolved_target":
        await command(world, target, Command.RESOLVE)
    if case == "resolved_source":
        await command(world, source, Command.RESOLVE)
    if case == "unknown":
        target = uuid4()
    published = len(world.published)
    expected = IncidentNotFound if case == "unknown" else Conflict
    with pytest.raises(expected):
        await merge_incidents(source, target, actor=ALICE, uow_factory=world.uow, clock=CLOCK)
    assert len(world.published) == published
    assert all(i.merged_into is None for i in world.incidents.rows.values())


async def test_an_ack_timeout_timer_retriggers_once_and_then_is_stale() -> None:
    world = FakeWorld()
    incident_id = await trigger(world)
    await command(world, incident_id, Command.ACKNOWLEDGE)
    later = CLOCK.now() + timedelta(minutes=10)
    early = CLOCK.now() + timedelta(minutes=5)
    fire = expire_timer
    assert not await fire(
        TimerKind.ACK_TIMEOUT, incident_id, now=early, uow=world.uow(), policies=POLICIES
    )
    assert await fire(
        TimerKind.ACK_TIMEOUT, incident_id, now=later, uow=world.uow(), policies=POLICIES
    )
    assert not await fire(
        TimerKind.ACK_TIMEOUT, incident_id, now=later, uow=world.uow(), policies=POLICIES
    )
    retriggers = [e for e in world.published if isinstance(e, IncidentRetriggeredV1)]
    assert [e.reason for e in retriggers] == ["ack_timeout"]
    assert world.incidents.rows[incident_id].status is IncidentStatus.TRIGGERED


async def test_a_timer_for_an_unknown_incident_does_nothing() -> None:
    world = FakeWorld()
    assert not await expire_timer(
        TimerKind.SNOOZE, uuid4(), now=CLOCK.now(), uow=world.uow(), policies=POLICIES
    )
