"""The SLA monitor's incident-event handler and Kafka entry point, over in-memory fakes."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.events import IncidentEventData
from tocsin_shared.messaging.inbound import PoisonMessage
from tocsin_sla_monitor.domain.clocks import ClockState
from tocsin_sla_monitor.handlers import DUPLICATE, apply_incident_event
from tocsin_sla_monitor.incident_consumer import incident_events_handler

from ..incident_events import SOURCE, T0, acknowledged, inbound, kafka_item, resolved, triggered
from .fakes_sla import FakeSlaStore

POLICIES = (
    SlaPolicy(name="checkout-tta", target="time_to_acknowledge", minutes=15, services=["checkout"]),
    SlaPolicy(name="all-ttr", target="time_to_resolve", minutes=60),
)


async def _apply(store: FakeSlaStore, event: IncidentEventData, event_id: str) -> str:
    return await apply_incident_event(
        event, source=SOURCE, event_id=event_id, policies=POLICIES, uow_factory=store.uow
    )


async def test_a_trigger_starts_a_clock_per_matching_policy() -> None:
    store = FakeSlaStore()
    checkout, payments = uuid4(), uuid4()

    await _apply(store, triggered(checkout, service="checkout"), "e1")
    await _apply(store, triggered(payments, service="payments"), "e2")

    assert set(store.for_incident(checkout)) == {"checkout-tta", "all-ttr"}
    assert set(store.for_incident(payments)) == {"all-ttr"}
    tta = store.for_incident(checkout)["checkout-tta"]
    assert (tta.started_at, tta.due_at, tta.state) == (
        T0,
        T0 + timedelta(minutes=15),
        ClockState.RUNNING,
    )


async def test_an_acknowledgement_in_time_meets_the_acknowledge_clock_only() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    await _apply(store, triggered(incident_id), "e1")

    outcome = await _apply(store, acknowledged(incident_id, at=T0 + timedelta(minutes=10)), "e2")

    clocks = store.for_incident(incident_id)
    assert outcome == "stopped_1"
    assert clocks["checkout-tta"].state is ClockState.MET
    assert clocks["checkout-tta"].stopped_at == T0 + timedelta(minutes=10)
    assert clocks["all-ttr"].state is ClockState.RUNNING


async def test_a_late_acknowledgement_breaches_and_resolving_stops_the_rest() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    await _apply(store, triggered(incident_id), "e1")

    await _apply(store, acknowledged(incident_id, at=T0 + timedelta(minutes=20)), "e2")
    await _apply(store, resolved(incident_id, at=T0 + timedelta(minutes=50)), "e3")

    clocks = store.for_incident(incident_id)
    assert clocks["checkout-tta"].state is ClockState.BREACHED
    assert clocks["checkout-tta"].stopped_at == T0 + timedelta(minutes=20)
    assert clocks["all-ttr"].state is ClockState.MET
    assert clocks["all-ttr"].stopped_at == T0 + timedelta(minutes=50)


async def test_resolving_without_acknowledging_stops_every_clock() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    await _apply(store, triggered(incident_id), "e1")

    outcome = await _apply(store, resolved(incident_id, at=T0 + timedelta(minutes=90)), "e2")

    assert outcome == "stopped_2"
    states = {p: c.state for p, c in store.for_incident(incident_id).items()}
    assert states == {"checkout-tta": ClockState.BREACHED, "all-ttr": ClockState.BREACHED}


async def test_an_event_delivered_twice_is_applied_once() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    trigger = triggered(incident_id)
    ack = acknowledged(incident_id, at=T0 + timedelta(minutes=1))

    await _apply(store, trigger, "e1")
    assert await _apply(store, trigger, "e1") == DUPLICATE
    await _apply(store, ack, "e2")
    assert await _apply(store, ack, "e2") == DUPLICATE

    assert len(store.clocks) == 2
    assert store.for_incident(incident_id)["checkout-tta"].stopped_at == T0 + timedelta(minutes=1)


async def test_an_event_for_an_incident_without_clocks_changes_nothing() -> None:
    store = FakeSlaStore()

    outcome = await _apply(store, resolved(uuid4(), at=T0), "e1")

    assert outcome == "stopped_0"
    assert store.clocks == {}


async def test_the_entry_point_decodes_a_cloudevent_and_applies_it() -> None:
    store = FakeSlaStore()
    event = triggered()
    handle = incident_events_handler(policies=POLICIES, uow_factory=store.uow)

    await handle(inbound(kafka_item(event, event_id="ce-1")))

    assert set(store.for_incident(event.incident_id)) == {"checkout-tta", "all-ttr"}
    assert store.inbox == {("incident-events", SOURCE, "ce-1")}


async def test_an_undecodable_record_is_poison() -> None:
    handle = incident_events_handler(policies=POLICIES, uow_factory=FakeSlaStore().uow)
    key, _, headers = kafka_item(triggered())

    with pytest.raises(PoisonMessage, match="invalid"):
        await handle(inbound((key, b'{"incident_id": "not-a-uuid"}', headers)))
