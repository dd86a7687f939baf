from datetime import UTC, datetime
from uuid import uuid4

import pytest
from tocsin_incident.domain.model import Command, IllegalTransition
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_incident.handlers.commands import IncidentNotFound, change_status
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import (
    Actor,
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentStatus,
    IncidentTriggeredV1,
)

from .fakes_incident import FakeWorld

CLOCK = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))


def alert(action: str = "trigger", key: str = "k1") -> RawAlertV1:
    return RawAlertV1(
        integration="prom",
        service="checkout",
        dedup_key=key,
        action=action,  # type: ignore[arg-type]
        summary="s",
        received_at=CLOCK.now(),
    )


async def process(world: FakeWorld, a: RawAlertV1, identity: str | None = None) -> str:
    return await process_raw_alert(
        a, identity=identity or str(a.alert_id), uow_factory=world.uow, clock=CLOCK
    )


async def test_triggers_with_one_key_make_one_incident_until_it_is_resolved() -> None:
    world = FakeWorld()
    assert await process(world, alert()) == "opened"
    assert await process(world, alert()) == "deduplicated"
    assert await process(world, alert("resolve")) == "resolved"
    assert await process(world, alert()) == "opened"  # after resolve, a new incident
    incidents = sorted(world.incidents.rows.values(), key=lambda i: i.alert_count)
    assert [(i.status, i.alert_count) for i in incidents] == [
        (IncidentStatus.TRIGGERED, 1),
        (IncidentStatus.RESOLVED, 2),
    ]
    assert [type(e) for e in world.published] == [
        IncidentTriggeredV1,
        IncidentResolvedV1,
        IncidentTriggeredV1,
    ]


async def test_follow_ups_without_an_open_incident_are_accepted_and_recorded_as_ignored() -> None:
    world = FakeWorld()
    a = alert("acknowledge")
    assert await process(world, a) == "acknowledge_ignored_no_open_incident"
    assert world.incidents.alerts[a.alert_id] == (None, "acknowledge_ignored_no_open_incident")
    assert world.published == []


async def test_acknowledge_twice_is_ignored_the_second_time() -> None:
    world = FakeWorld()
    await process(world, alert())
    assert await process(world, alert("acknowledge")) == "acknowledged"
    assert await process(world, alert("acknowledge")) == "acknowledge_ignored_already_acknowledged"
    assert [type(e) for e in world.published][-1] is IncidentAcknowledgedV1


async def test_the_same_delivery_twice_changes_nothing_the_second_time() -> None:
    world = FakeWorld()
    a = alert()
    await process(world, a)
    assert await process(world, a) == "duplicate_delivery"
    assert [i.alert_count for i in world.incidents.rows.values()] == [1]


async def test_user_commands_follow_the_table() -> None:
    world = FakeWorld()
    await process(world, alert())
    (incident_id,) = world.incidents.rows
    alice = Actor(kind="user", id="alice")
    done = await change_status(
        incident_id, Command.RESOLVE, actor=alice, uow_factory=world.uow, clock=CLOCK
    )
    assert done.status is IncidentStatus.RESOLVED
    with pytest.raises(IllegalTransition):
        await change_status(
            incident_id, Command.ACKNOWLEDGE, actor=alice, uow_factory=world.uow, clock=CLOCK
        )
    with pytest.raises(IncidentNotFound):
        await change_status(
            uuid4(), Command.RESOLVE, actor=alice, uow_factory=world.uow, clock=CLOCK
        )
