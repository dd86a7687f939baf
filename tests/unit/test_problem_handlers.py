"""The problem service's incident-event handler and Kafka entry point, over the in-memory
adapters: the projection, the inbox, the event log, and correlation's decisions applied."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from tocsin_problem.adapters.memory import MemoryStore
from tocsin_problem.adapters.memory_repos import MemoryObservedIncidents
from tocsin_problem.correlating import (
    DUPLICATE,
    OBSERVED,
    CorrelationConfig,
    on_incident_event,
)
from tocsin_problem.incident_consumer import incident_events_handler
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.events import (
    IncidentEventData,
    IncidentStatus,
    NotificationRequestedV1,
    ProblemCreatedV1,
    ProblemIncidentLinkedV1,
)
from tocsin_shared.messaging.inbound import PoisonMessage

from ..incident_events import SOURCE, T0, acknowledged, inbound, kafka_item, triggered
from ..samples import sample_config

CORRELATION = CorrelationConfig.of(sample_config())
CLOCK = FakeClock(T0)


async def _handle(store: MemoryStore, event: IncidentEventData, *, event_id: str) -> str:
    return await on_incident_event(
        event,
        source=SOURCE,
        event_id=event_id,
        uow_factory=store.uow,
        correlation=CORRELATION,
        clock=CLOCK,
    )


async def test_an_event_delivered_twice_is_applied_once() -> None:
    store = MemoryStore()
    incident_id = uuid4()
    ack = acknowledged(incident_id, at=T0 + timedelta(minutes=1))
    await _handle(store, triggered(incident_id), event_id="e1")

    first = await _handle(store, ack, event_id="e2")
    again = await _handle(store, ack, event_id="e2")

    assert (first, again) == (OBSERVED, DUPLICATE)
    assert store.state.observed[incident_id].status is IncidentStatus.ACKNOWLEDGED
    assert len(store.state.inbox) == 2
    assert [entry[1] for entry in store.state.event_log] == ["e1", "e2"]


async def test_the_same_id_from_another_source_is_another_event() -> None:
    store = MemoryStore()
    event = acknowledged(uuid4(), at=T0)

    await _handle(store, event, event_id="e1")
    outcome = await on_incident_event(
        event,
        source="/elsewhere",
        event_id="e1",
        uow_factory=store.uow,
        correlation=CORRELATION,
        clock=CLOCK,
    )

    assert outcome == OBSERVED


async def test_a_failed_change_leaves_the_event_unclaimed_so_a_retry_applies_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = MemoryStore()
    event = triggered()

    async def broken(self: MemoryObservedIncidents, incident: object) -> None:
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(MemoryObservedIncidents, "put", broken)
        with pytest.raises(RuntimeError):
            await _handle(store, event, event_id="e1")
    assert store.state.inbox == {} and store.state.event_log == []

    assert await _handle(store, event, event_id="e1") == "uncorrelated"
    assert event.incident_id in store.state.observed


async def test_the_third_recurrence_opens_a_problem_and_the_fourth_links_to_it() -> None:
    store = MemoryStore()
    events = [triggered(uuid4(), dedup_key=f"db-{n}", at=T0 + timedelta(days=n)) for n in range(4)]
    outcomes = [await _handle(store, e, event_id=f"e{n}") for n, e in enumerate(events)]

    assert outcomes == ["uncorrelated", "uncorrelated", "problem_opened", "linked"]
    (problem,) = store.state.problems.values()
    assert {link.problem_id for link in store.state.links.values()} == {problem.id}
    assert set(store.state.links) == {e.incident_id for e in events}
    created = [e for e in store.events if isinstance(e, ProblemCreatedV1)]
    linked = [e for e in store.events if isinstance(e, ProblemIncidentLinkedV1)]
    assert len(created) == 1 and len(linked) == 4
    assert linked[-1].reason.recurrence_key == problem.recurrence_key
    # A redelivery of the fourth changes nothing.
    assert await _handle(store, events[3], event_id="e3") == DUPLICATE
    assert len(store.events) == 5


async def test_the_entry_point_decodes_a_cloudevent_and_applies_it() -> None:
    store = MemoryStore()
    event = triggered()
    handle = incident_events_handler(uow_factory=store.uow, correlation=CORRELATION, clock=CLOCK)

    await handle(inbound(kafka_item(event, event_id="ce-1")))

    assert store.state.observed[event.incident_id].service == "checkout"
    assert set(store.state.inbox) == {("incident-events", SOURCE, "ce-1")}


async def test_a_record_that_is_not_a_cloudevent_is_poison() -> None:
    store = MemoryStore()
    handle = incident_events_handler(uow_factory=store.uow, correlation=CORRELATION, clock=CLOCK)
    key, value, _ = kafka_item(triggered())

    with pytest.raises(PoisonMessage, match="CloudEvents headers"):
        await handle(inbound((key, value, {})))


async def test_an_event_that_does_not_belong_on_the_topic_is_poison() -> None:
    store = MemoryStore()
    handle = incident_events_handler(uow_factory=store.uow, correlation=CORRELATION, clock=CLOCK)
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
