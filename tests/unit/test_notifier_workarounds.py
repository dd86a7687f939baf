"""Known workarounds in the notifier, on its in-memory ports: a page written after a match
carries it, targets already paged get one follow-up, acknowledged incidents only store it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from tocsin_notifier.domain.ledger import Status
from tocsin_notifier.domain.messages import Page, email
from tocsin_notifier.domain.workarounds import SentPage, follow_ups
from tocsin_notifier.known_errors import known_workaround, on_problem_event
from tocsin_shared.contracts.envelope import envelope_for
from tocsin_shared.contracts.events import (
    Actor,
    IncidentAcknowledgedV1,
    IncidentTriggeredV1,
    KnownErrorMatchedV1,
    NotificationRequestedV1,
    ProblemCreatedV1,
    ProblemOrigin,
)

from .fakes_notifier import T0, World

KNOWN_ERROR = uuid4()


def matched(incident: UUID) -> KnownErrorMatchedV1:
    return KnownErrorMatchedV1(
        problem_id=uuid4(),
        occurred_at=T0,
        actor=Actor(kind="system", id="problem"),
        known_error_id=KNOWN_ERROR,
        incident_id=incident,
        title="Pool leak",
        workaround="restart the pool",
        number=4,
    )


async def problem_event(world: World, event: Any, event_id: str = "m1") -> str:
    envelope = envelope_for(event, source="/tocsin/problem", event_id=event_id)
    return await on_problem_event(envelope, uow_factory=world.uow, clock=world.clock)


def deliver_all(world: World) -> None:
    for n in world.state.notifications.values():
        if n.status is Status.PENDING:
            n.claim()
            n.delivered(status_code=200, at=world.clock.now())


def workarounds(world: World) -> list[Any]:
    return [n.payload["incident"].get("workaround") for n in world.state.notifications.values()]


async def test_a_match_before_the_trigger_is_in_the_first_page() -> None:
    world, incident = World(), uuid4()
    assert await problem_event(world, matched(incident)) == "stored"
    assert await world.event(IncidentTriggeredV1, incident) == "paging"
    assert workarounds(world) == ["restart the pool"]


async def test_targets_already_paged_get_one_follow_up_and_later_pages_carry_it() -> None:
    world, incident = World(), uuid4()
    await world.event(IncidentTriggeredV1, incident)
    deliver_all(world)
    before = len(world.state.events)

    assert await problem_event(world, matched(incident)) == "followed_up"
    assert await problem_event(world, matched(incident)) == "duplicate"
    assert await problem_event(world, matched(incident), "m2") == "stored"  # same key: no second

    (key,) = world.state.keys(Status.PENDING)
    follow_up = world.state.notifications[key]
    assert key == f"{incident}:workaround:{KNOWN_ERROR}:l0:l0"
    assert follow_up.payload["message"] == "Known workaround for database down: restart the pool"
    (requested,) = world.state.events[before:]
    assert isinstance(requested, NotificationRequestedV1) and requested.idempotency_key == key

    world.clock.advance(timedelta(minutes=1))
    assert await world.fire_due() == ["escalated"]
    assert workarounds(world) == [None, "restart the pool", "restart the pool"]


async def test_unsent_pages_get_it_and_acknowledged_incidents_only_store_it() -> None:
    world, incident = World(), uuid4()
    await world.event(IncidentTriggeredV1, incident)
    assert await problem_event(world, matched(incident)) == "stored"  # nothing sent yet
    assert workarounds(world) == ["restart the pool"]  # the pending page now carries it

    other = uuid4()
    await world.event(IncidentTriggeredV1, other)
    deliver_all(world)
    await world.event(IncidentAcknowledgedV1, other)
    assert await problem_event(world, matched(other), "m2") == "stored"
    assert len(world.state.notifications) == 2


async def test_other_problem_events_are_ignored() -> None:
    created = ProblemCreatedV1(
        problem_id=uuid4(),
        occurred_at=T0,
        actor=Actor(kind="system", id="problem"),
        number=1,
        statement="s",
        origin=ProblemOrigin.RULE,
    )
    assert await problem_event(World(), created) == "ignored"


def test_one_follow_up_per_target_rendered_as_the_workaround() -> None:
    page = SentPage(
        target="ann/mail",
        channel="mail",
        level=0,
        payload={"incident": {"summary": "disk full", "severity": "error"}, "recipient": {}},
    )
    (only,) = follow_ups([page, page], known_workaround(matched(uuid4())), at=T0)
    rendered = email(Page.of(only.payload, {}))
    assert rendered.subject == "Known workaround for disk full"
    assert "Known workaround: restart the pool" in rendered.text
