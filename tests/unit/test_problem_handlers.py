"""The problem service's incident-event handler and Kafka entry point, over in-memory fakes."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from tocsin_problem.handlers import DUPLICATE, OBSERVED, observe_incident_event
from tocsin_problem.incident_consumer import incident_events_handler
from tocsin_shared.contracts.events import IncidentStatus, NotificationRequestedV1
from tocsin_shared.messaging.inbound import PoisonMessage

from ..incident_events import SOURCE, T0, acknowledged, inbound, kafka_item, triggered
from .fakes_problem import FakeProblemStore


async def test_an_event_delivered_twice_is_applied_once() -> None:
    store = FakeProblemStore()
    incident_id = uuid4()
    ack = acknowledged(incident_id, at=T0 + timedelta(minutes=1))
    await observe_incident_event(
        triggered(incident_id), source=SOURCE, event_id="e1", uow_factory=store.uow
    )

    first = await observe_incident_event(ack, source=SOURCE, event_id="e2", uow_factory=store.uow)
    again = await observe_incident_event(ack, source=SOURCE, event_id="e2", uow_factory=store.uow)

    assert (first, again) == (OBSERVED, DUPLICATE)
    assert store.rows[incident_id].status is IncidentStatus.ACKNOWLEDGED
    assert len(store.inbox) == 2


async def test_the_same_id_from_another_source_is_another_event() -> None:
    store = FakeProblemStore()
    event = triggered()

    await observe_incident_event(event, source=SOURCE, event_id="e1", uow_factory=store.uow)
    outcome = await observe_incident_event(
        event, source="/elsewhere", event_id="e1", uow_factory=store.uow
    )

    assert outcome == OBSERVED


async def test_a_failed_change_leaves_the_event_unclaimed_so_a_retry_applies_it() -> None:
    store = FakeProblemStore()
    event = triggered()
    store.fail_on_put = RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        await observe_incident_event(event, source=SOURCE, event_id="e1", uow_factory=store.uow)
    assert store.inbox == set()

    store.fail_on_put = None
    outcome = await observe_incident_event(
        event, source=SOURCE, event_id="e1", uow_factory=store.uow
    )
    assert outcome == OBSERVED
    assert event.incident_id in store.rows


async def test_the_entry_point_decodes_a_cloudevent_and_applies_it() -> None:
    store = FakeProblemStore()
    event = triggered()
    handle = incident_events_handler(uow_factory=store.uow)

    await handle(inbound(kafka_item(event, event_id="ce-1")))

    assert store.rows[event.incident_id].service == "checkout"
    assert store.inbox == {("incident-events", SOURCE, "ce-1")}


async def test_a_record_that_is_not_a_cloudevent_is_poison() -> None:
    handle = incident_events_handler(uow_factory=FakeProblemStore().uow)
    key, value, _ = kafka_item(triggered())

    with pytest.raises(PoisonMessage, match="CloudEvents headers"):
        await handle(inbound((key, value, {})))


async def test_an_event_that_does_not_belong_on_the_topic_is_poison() -> None:
    handle = incident_events_handler(uow_factory=FakeProblemStore().uow)
    notification = NotificationRequestedV1(
        notification_id=uuid4(),
        incident_id=uuid4(),
        idempotency_key="k",
        channel="ops-webhook",
        target="ops",
        attempt=1,
        occurred_at=T0,
    )

    with pytest.raises(PoisonMessage, match="does not belong"):
        await handle(inbound(kafka_item(notification)))
