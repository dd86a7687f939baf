"""Action-link and notification-note handlers on the in-memory ports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from tocsin_incident.domain.model import IllegalTransition
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_incident.handlers.commands import IncidentNotFound
from tocsin_incident.handlers.links import LinkUsed, follow_link, inspect_link
from tocsin_incident.handlers.notifications import note_notification
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import (
    Actor,
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentStatus,
    NotificationDeadLetteredV1,
)
from tocsin_shared.links import ActionClaim, LinkAction

from .fakes_links import LinkWorld

NOW = datetime(2026, 3, 1, tzinfo=UTC)


async def trigger(world: LinkWorld, clock: FakeClock) -> UUID:
    alert = RawAlertV1(integration="prom", service="checkout", dedup_key="k", received_at=NOW)
    await process_raw_alert(alert, identity=str(alert.alert_id), uow_factory=world.uow, clock=clock)
    incident = await world.incidents.open_for_key("checkout", "k")
    assert incident is not None
    return incident.id


def claim(
    incident_id: UUID, action: LinkAction = LinkAction.ACKNOWLEDGE, user: str | None = "ann"
) -> ActionClaim:
    return ActionClaim(
        incident_id=incident_id,
        action=action,
        expires_at=NOW + timedelta(hours=1),
        link_id=uuid4().hex,
        user=user,
    )


async def test_a_link_acts_once_as_its_user_and_then_says_when_it_was_used() -> None:
    world, clock = LinkWorld(), FakeClock(NOW)
    incident_id = await trigger(world, clock)
    link = claim(incident_id)
    assert (await inspect_link(link, uow_factory=world.link_uow)).id == incident_id
    assert world.incidents.rows[incident_id].status is IncidentStatus.TRIGGERED

    clock.advance(timedelta(minutes=2))
    incident = await follow_link(link, uow_factory=world.link_uow, clock=clock)
    assert incident.status is IncidentStatus.ACKNOWLEDGED
    event = world.published[-1]
    assert isinstance(event, IncidentAcknowledgedV1)
    assert event.actor == Actor(kind="user", id="ann")

    with pytest.raises(LinkUsed) as used:
        await follow_link(link, uow_factory=world.link_uow, clock=clock)
    assert used.value.used_at == NOW + timedelta(minutes=2)
    with pytest.raises(LinkUsed):
        await inspect_link(link, uow_factory=world.link_uow)


async def test_a_link_that_cannot_act_stays_unused() -> None:
    world, clock = LinkWorld(), FakeClock(NOW)
    with pytest.raises(IncidentNotFound):
        await follow_link(claim(uuid4()), uow_factory=world.link_uow, clock=clock)
    incident_id = await trigger(world, clock)
    resolve = claim(incident_id, LinkAction.RESOLVE, user=None)
    await follow_link(resolve, uow_factory=world.link_uow, clock=clock)
    resolved = world.published[-1]
    assert isinstance(resolved, IncidentResolvedV1)
    assert resolved.actor == Actor(kind="user", id="action-link")  # a page to a channel

    ack = claim(incident_id)
    with pytest.raises(IllegalTransition):
        await inspect_link(ack, uow_factory=world.link_uow)
    with pytest.raises(IllegalTransition):
        await follow_link(ack, uow_factory=world.link_uow, clock=clock)
    assert set(world.used_links) == {resolve.link_id}


async def test_notification_events_are_noted_once_and_unknown_incidents_ignored() -> None:
    world, clock = LinkWorld(), FakeClock(NOW)
    incident_id = await trigger(world, clock)

    def dead(incident: UUID) -> NotificationDeadLetteredV1:
        return NotificationDeadLetteredV1(
            notification_id=uuid4(),
            incident_id=incident,
            idempotency_key="k",
            channel="mail",
            target="ann/mail",
            attempt=8,
            occurred_at=NOW,
            error="550 no such user",
            status_code=550,
        )

    event = dead(incident_id)
    note = {"source": "/tocsin/notifier", "event_id": "e1", "uow_factory": world.link_uow}
    assert await note_notification(event, **note) == "noted"  # type: ignore[arg-type]
    assert await note_notification(event, **note) == "duplicate"  # type: ignore[arg-type]
    stranger = {**note, "event_id": "e2"}
    assert await note_notification(dead(uuid4()), **stranger) == "unknown_incident"  # type: ignore[arg-type]
    ((noted_for, entry),) = world.notes
    assert (noted_for, entry.kind, entry.actor) == (
        incident_id,
        "notification.dead_lettered",
        Actor(kind="system", id="notifier"),
    )
    assert entry.detail == {
        "notification_id": str(event.notification_id),
        "channel": "mail",
        "target": "ann/mail",
        "attempt": 8,
        "error": "550 no such user",
        "status_code": 550,
    }
