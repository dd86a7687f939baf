"""Low urgency pages without escalating; an SLA breach escalates as the policy says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from tocsin_notifier.domain.escalation import State
from tocsin_notifier.sla_breach import on_sla_event
from tocsin_shared.contracts.envelope import envelope_for
from tocsin_shared.contracts.events import (
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentTriggeredV1,
    Severity,
    SlaBreachedV1,
)

from .fakes_notifier import World, escalation_yaml

MINUTE = timedelta(minutes=1)


def with_policy_extra(extra: str, **kw: Any) -> str:
    return escalation_yaml("http://x/y", **kw).replace("    repeat: ", f"{extra}\n    repeat: ", 1)


async def breach(w: World, incident: UUID, generation: int = 0) -> str:
    event = SlaBreachedV1(
        clock_id=uuid4(),
        incident_id=incident,
        policy="checkout-tta",
        target="time_to_acknowledge",
        cycle=0,
        generation=generation,
        service="checkout",
        severity=Severity.CRITICAL,
        due_at=w.clock.now(),
        emitted_at=w.clock.now(),
    )
    envelope = envelope_for(event, source="/tocsin/sla-monitor")
    return await on_sla_event(envelope, uow_factory=w.uow, ctx=w.ctx, clock=w.clock)


async def test_a_low_urgency_incident_pages_the_first_level_only() -> None:
    w = World(with_policy_extra("    low_urgency: [warning, info]"))
    low, high = uuid4(), uuid4()
    await w.event(IncidentTriggeredV1, low, severity="warning")
    await w.event(IncidentTriggeredV1, high)  # critical
    for _ in range(3):
        w.clock.advance(MINUTE)
        await w.fire_due()
    by_incident = [(n.incident_id, n.channel) for n in w.state.notifications.values()]
    assert [c for i, c in by_incident if i == low] == ["l0"]
    assert [c for i, c in by_incident if i == high] == ["l0", "l1", "l2"]
    assert w.state.escalations[low].status is State.EXHAUSTED


async def test_a_breach_jumps_to_the_next_level_now_and_the_delay_restarts_from_there() -> None:
    w, incident = (
        World(with_policy_extra("    on_sla_breach: {action: escalate}", delays=(10, 10, 10))),
        uuid4(),
    )
    await w.event(IncidentTriggeredV1, incident)
    assert await breach(w, incident) == "escalated"
    assert w.paged() == ["l0", "l1"]
    assert len(w.state.timers) == 1  # level 0's timer is gone, level 1's is set
    w.clock.advance(10 * MINUTE)
    assert await w.fire_due() == ["escalated"] and w.paged()[-1] == "l2"


async def test_a_breach_does_not_page_an_acknowledged_incident_when_escalating() -> None:
    w, incident = World(with_policy_extra("    on_sla_breach: {action: escalate}")), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    await w.event(IncidentAcknowledgedV1, incident)
    assert await breach(w, incident) == "not_paging" and w.paged() == ["l0"]


async def test_a_breach_can_notify_named_targets_once_and_escalation_goes_on() -> None:
    extra = "    on_sla_breach: {action: notify, targets: [{channel: l2}]}"
    w, incident = World(with_policy_extra(extra)), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    await w.event(IncidentAcknowledgedV1, incident)  # the resolve-time SLA still matters
    assert await breach(w, incident) == "notified"
    assert await breach(w, incident) == "notified"  # the same breach re-emitted: the same key
    assert w.paged() == ["l0", "l2"]
    last = list(w.state.notifications.values())[-1]
    assert last.target.startswith("sla.checkout-tta.g0:")
    assert w.state.escalations[incident].status is State.ACKNOWLEDGED
    await w.event(IncidentResolvedV1, incident)
    assert await breach(w, incident, generation=1) == "not_paging"


async def test_without_a_breach_action_a_breach_changes_nothing() -> None:
    w, incident = World(), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    assert await breach(w, incident) == "no_breach_action" and w.paged() == ["l0"]
    assert await breach(w, uuid4()) == "no_breach_action"
