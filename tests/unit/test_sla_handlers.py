"""The SLA monitor's handlers and entry points over in-memory fakes: clocks, timers and events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from tocsin_shared.clock import FakeClock
from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.events import (
    IncidentEventData,
    IncidentMergedV1,
    IncidentNoteAddedV1,
    IncidentReopenedV1,
    IncidentRetriggeredV1,
    IncidentSnoozedV1,
    SlaBreachedV1,
    SlaResumedV1,
    SlaWarningV1,
)
from tocsin_shared.messaging.inbound import PoisonMessage
from tocsin_sla_monitor.domain.calendar import always_on
from tocsin_sla_monitor.domain.clocks import ClockState
from tocsin_sla_monitor.handlers import (
    DUPLICATE,
    STALE,
    SlaRules,
    apply_incident_event,
    fire_threshold,
)
from tocsin_sla_monitor.incident_consumer import incident_events_handler

from ..incident_events import SOURCE, T0, acknowledged, inbound, kafka_item, resolved, triggered
from .fakes_sla import FakeSlaStore

M = timedelta(minutes=1)
POLICIES = (
    SlaPolicy(name="checkout-tta", target="time_to_acknowledge", minutes=10, services=["checkout"]),
    SlaPolicy(name="all-ttr", target="time_to_resolve", minutes=60),
    SlaPolicy(name="first-note", target="time_to_first_note", minutes=30, stop_on=["note_added"]),
)
RULES = SlaRules(policies=POLICIES, calendars=lambda _: always_on())


async def _apply(
    store: FakeSlaStore, event: IncidentEventData, event_id: str | None = None, *, now: Any = None
) -> str:
    return await apply_incident_event(
        event,
        source=SOURCE,
        event_id=event_id or str(uuid4()),
        rules=RULES,
        uow_factory=store.uow,
        now=now or event.occurred_at,
    )


async def _fire_due(store: FakeSlaStore, *, now: Any) -> list[str]:
    """What the timer loop does: fire each live timer due by `now`, earliest first."""
    outcomes = []
    while due := sorted(
        (t.due_at, s, t.generation) for s, t in store.timers.items() if t.due_at <= now
    ):
        _, subject, generation = due[0]
        del store.timers[subject]  # marked fired in the claiming transaction
        clock_id = UUID(subject.split("/")[0])
        outcomes.append(
            await fire_threshold(
                clock_id, generation=generation, rules=RULES, uow=store.uow(), now=now
            )
        )
    return outcomes


def _one_live_timer_per_running_clock(store: FakeSlaStore) -> bool:
    running = {str(c.id) for c in store.clocks.values() if c.state is ClockState.RUNNING}
    owners = [s.split("/")[0] for s in store.timers]
    return sorted(owners) == sorted(running)


def _like(base: IncidentEventData, model: type[IncidentEventData], **fields: Any) -> Any:
    return model.model_validate({**base.model_dump(), **fields})


async def test_a_trigger_attaches_a_clock_per_target_and_schedules_its_first_warning() -> None:
    store = FakeSlaStore()
    checkout, payments = uuid4(), uuid4()

    await _apply(store, triggered(checkout, service="checkout"))
    await _apply(store, triggered(payments, service="payments"))

    assert set(store.for_incident(checkout)) == {"checkout-tta", "all-ttr", "first-note"}
    assert set(store.for_incident(payments)) == {"all-ttr", "first-note"}
    tta = store.for_incident(checkout)["checkout-tta"]
    assert (tta.started_at, tta.due_at, tta.state) == (T0, T0 + 10 * M, ClockState.RUNNING)
    assert store.timers[f"{tta.id}/50/0"].due_at == T0 + 5 * M
    assert len(store.events("tocsin.sla.attached.v1")) == 5


async def test_warnings_and_the_breach_fire_once_each_with_their_due_times() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    await _apply(store, triggered(incident_id))

    await _fire_due(store, now=T0 + 5 * M)
    await _fire_due(store, now=T0 + 5 * M)
    await _fire_due(store, now=T0 + 10 * M + timedelta(seconds=0.5))

    warnings = [e for e in store.events("tocsin.sla.warning.v1") if isinstance(e, SlaWarningV1)]
    tta_warnings = sorted(
        (w.percent, w.due_at, w.late) for w in warnings if w.policy == "checkout-tta"
    )
    assert tta_warnings == [
        (50, T0 + 5 * M, False),
        (75, T0 + 7.5 * M, True),
        (90, T0 + 9 * M, True),
    ]
    breaches = [e for e in store.events("tocsin.sla.breached.v1") if isinstance(e, SlaBreachedV1)]
    assert [(b.policy, b.due_at, b.late) for b in breaches] == [
        ("checkout-tta", T0 + 10 * M, False)
    ]
    assert store.for_incident(incident_id)["checkout-tta"].breached_at is not None


async def test_an_acknowledgement_before_the_breach_meets_the_clock_and_cancels_its_timer() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    await _apply(store, triggered(incident_id))
    tta = store.for_incident(incident_id)["checkout-tta"]

    await _apply(store, acknowledged(incident_id, at=T0 + 3 * M))
    await _fire_due(store, now=T0 + 20 * M)

    assert store.for_incident(incident_id)["checkout-tta"].state is ClockState.MET
    assert not any(s.startswith(str(tta.id)) for s in store.timers)
    assert [e.policy for e in store.events("tocsin.sla.met.v1")] == ["checkout-tta"]  # type: ignore[attr-defined]
    assert not [e for e in store.events("tocsin.sla.breached.v1") if e.policy == "checkout-tta"]  # type: ignore[attr-defined]


async def test_a_stale_timer_from_before_a_pause_does_nothing() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    await _apply(store, triggered(incident_id))
    tta = store.for_incident(incident_id)["checkout-tta"]

    outcome = await fire_threshold(
        tta.id, generation=tta.generation - 1, rules=RULES, uow=store.uow(), now=T0 + 6 * M
    )

    assert outcome == STALE
    assert store.events("tocsin.sla.warning.v1") == []


async def test_a_timer_that_fires_before_its_clock_is_due_is_replaced_by_a_new_generation() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    await _apply(store, triggered(incident_id))
    tta = store.for_incident(incident_id)["checkout-tta"]

    outcome = await fire_threshold(
        tta.id, generation=tta.generation, rules=RULES, uow=store.uow(), now=T0 + 4 * M
    )

    assert outcome == "fired_0"
    assert store.timers[f"{tta.id}/50/{tta.generation + 1}"].due_at == T0 + 5 * M


async def test_snooze_pauses_and_retrigger_resumes_with_the_due_time_moved() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    trigger = triggered(incident_id)
    await _apply(store, trigger)
    snoozed = _like(trigger, IncidentSnoozedV1, occurred_at=T0 + 2 * M, snoozed_until=T0 + 30 * M)
    retriggered = _like(
        trigger,
        IncidentRetriggeredV1,
        occurred_at=T0 + 30 * M,
        triggered_at=T0 + 30 * M,
        reason="snooze",
    )

    await _apply(store, snoozed)
    assert store.for_incident(incident_id)["checkout-tta"].state is ClockState.PAUSED
    assert await _fire_due(store, now=T0 + 29 * M) == []
    await _apply(store, retriggered)

    tta = store.for_incident(incident_id)["checkout-tta"]
    assert tta.due_at == T0 + 38 * M
    resumed = [e for e in store.events("tocsin.sla.resumed.v1") if isinstance(e, SlaResumedV1)]
    assert {(e.policy, e.due_at) for e in resumed} >= {("checkout-tta", T0 + 38 * M)}
    assert store.timers[f"{tta.id}/50/{tta.generation}"].due_at == T0 + 33 * M
    assert _one_live_timer_per_running_clock(store)
    assert len(store.events("tocsin.sla.paused.v1")) == 3


async def test_a_merge_cancels_the_merged_away_incidents_clocks_only() -> None:
    store = FakeSlaStore()
    gone, kept = uuid4(), uuid4()
    await _apply(store, triggered(gone))
    await _apply(store, triggered(kept, dedup_key="other"))

    for incident_id in (gone, kept):
        base = acknowledged(incident_id, at=T0 + M)
        merged = _like(
            base,
            IncidentMergedV1,
            source_incident_id=gone,
            target_incident_id=kept,
            alert_count=2,
        )
        await _apply(store, merged)

    assert {c.state for c in store.for_incident(gone).values()} == {ClockState.CANCELLED}
    assert {c.state for c in store.for_incident(kept).values()} == {ClockState.RUNNING}
    assert len(store.events("tocsin.sla.cancelled.v1")) == 3


async def test_a_reopen_starts_a_new_cycle_from_the_reopen() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    trigger = triggered(incident_id)
    await _apply(store, trigger)
    await _apply(store, resolved(incident_id, at=T0 + 20 * M))
    reopened = _like(trigger, IncidentReopenedV1, occurred_at=T0 + 90 * M, triggered_at=T0 + 90 * M)

    await _apply(store, reopened)

    clocks = sorted(store.clocks.values(), key=lambda c: (c.cycle, c.policy))
    assert [(c.cycle, c.policy, c.state) for c in clocks] == [
        (0, "all-ttr", ClockState.MET),
        (0, "checkout-tta", ClockState.BREACHED),
        (0, "first-note", ClockState.CANCELLED),
        (1, "all-ttr", ClockState.RUNNING),
        (1, "checkout-tta", ClockState.RUNNING),
        (1, "first-note", ClockState.RUNNING),
    ]
    assert {c.started_at for c in clocks if c.cycle == 1} == {T0 + 90 * M}


async def test_thresholds_crossed_before_a_stop_whose_timers_had_not_fired_still_fire() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    await _apply(store, triggered(incident_id))

    await _apply(store, acknowledged(incident_id, at=T0 + 12 * M), now=T0 + 12 * M)

    breaches = [e for e in store.events("tocsin.sla.breached.v1") if isinstance(e, SlaBreachedV1)]
    assert [(b.policy, b.due_at, b.late) for b in breaches] == [("checkout-tta", T0 + 10 * M, True)]
    assert len(store.events("tocsin.sla.completed.v1")) == 1
    warnings = [e for e in store.events("tocsin.sla.warning.v1") if isinstance(e, SlaWarningV1)]
    assert sorted((w.percent, w.late) for w in warnings if w.policy == "checkout-tta") == [
        (50, True),
        (75, True),
        (90, True),
    ]
    assert not [e for e in store.events("tocsin.sla.warning.v1") if e.policy != "checkout-tta"]  # type: ignore[attr-defined]


async def test_a_target_between_two_named_events_stops_on_its_event() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    trigger = triggered(incident_id)
    await _apply(store, trigger)

    await _apply(store, _like(trigger, IncidentNoteAddedV1, occurred_at=T0 + 4 * M, text="on it"))

    note = store.for_incident(incident_id)["first-note"]
    assert (note.state, note.stopped_at) == (ClockState.MET, T0 + 4 * M)


async def test_an_event_delivered_twice_is_applied_once() -> None:
    store = FakeSlaStore()
    incident_id = uuid4()
    trigger = triggered(incident_id)

    await _apply(store, trigger, "e1")
    assert await _apply(store, trigger, "e1") == DUPLICATE

    assert len(store.clocks) == 3
    assert len(store.events("tocsin.sla.attached.v1")) == 3


async def test_the_entry_point_decodes_a_cloudevent_and_applies_it() -> None:
    store = FakeSlaStore()
    event = triggered()
    handle = incident_events_handler(rules=RULES, uow_factory=store.uow, clock=FakeClock(T0))

    await handle(inbound(kafka_item(event, event_id="ce-1")))

    assert set(store.for_incident(event.incident_id)) == {"checkout-tta", "all-ttr", "first-note"}
    assert store.inbox == {("incident-events", SOURCE, "ce-1")}


async def test_an_undecodable_record_is_poison() -> None:
    handle = incident_events_handler(
        rules=RULES, uow_factory=FakeSlaStore().uow, clock=FakeClock(T0)
    )
    key, _, headers = kafka_item(triggered())

    with pytest.raises(PoisonMessage, match="invalid"):
        await handle(inbound((key, b'{"incident_id": "not-a-uuid"}', headers)))
