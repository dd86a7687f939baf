"""Escalation policies: levels after their delays, repeats, round-robin, ack/un-ack/re-trigger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from tocsin_notifier.domain.escalation import TRANSITIONS, Escalation, Move, PolicyShape, State
from tocsin_notifier.domain.ledger import Status
from tocsin_notifier.pages import PagingContext, schedule_lookup
from tocsin_notifier.paging import on_step_due
from tocsin_shared.contracts.events import (
    IncidentAcknowledgedV1,
    IncidentReopenedV1,
    IncidentResolvedV1,
    IncidentRetriggeredV1,
    IncidentTriggeredV1,
    IncidentUnacknowledgedV1,
    NotificationRequestedV1,
)

from .fakes_notifier import T0, World, escalation_yaml

MINUTE = timedelta(minutes=1)


async def test_levels_page_in_order_after_their_delays_then_the_policy_runs_out() -> None:
    w, incident = World(), uuid4()
    assert await w.event(IncidentTriggeredV1, incident) == "paging"
    assert w.paged() == ["l0"] and await w.fire_due() == []
    w.clock.advance(MINUTE)
    assert await w.fire_due() == ["escalated"]
    assert w.paged() == ["l0", "l1"]
    w.clock.advance(MINUTE)
    await w.fire_due()
    w.clock.advance(MINUTE)
    assert await w.fire_due() == ["exhausted"]
    assert w.paged() == ["l0", "l1", "l2"] and not w.state.timers
    assert w.state.escalations[incident].status is State.EXHAUSTED
    assert all(isinstance(e, NotificationRequestedV1) for e in w.state.events)


async def test_repeat_runs_the_whole_policy_again_with_new_keys() -> None:
    w, incident = World(escalation_yaml("http://x/y", repeat=1)), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    for _ in range(6):
        w.clock.advance(MINUTE)
        await w.fire_due()
    assert w.paged() == ["l0", "l1", "l2", "l0", "l1", "l2"]
    assert len(set(w.state.keys())) == 6
    assert w.state.escalations[incident].status is State.EXHAUSTED


async def test_acknowledge_stops_at_once_and_unacknowledge_continues_from_that_level() -> None:
    w, incident = World(escalation_yaml("http://x/y", delays=(1, 5, 1))), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    w.clock.advance(MINUTE)
    await w.fire_due()  # level 1 now
    assert await w.event(IncidentAcknowledgedV1, incident) == "stopped"
    assert not w.state.timers
    w.clock.advance(10 * MINUTE)
    assert await w.fire_due() == []
    assert w.paged() == ["l0", "l1"]
    assert await w.event(IncidentUnacknowledgedV1, incident) == "resumed"
    assert w.paged() == ["l0", "l1", "l1"]  # the current level again, not level 0
    w.clock.advance(4 * MINUTE)
    assert await w.fire_due() == []  # level 1's own delay (5 min) counts from the resumption
    w.clock.advance(MINUTE)
    assert await w.fire_due() == ["escalated"]
    assert w.paged()[-1] == "l2"


async def test_pages_not_yet_sent_are_cancelled_on_acknowledge() -> None:
    w, incident = World(), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    await w.event(IncidentAcknowledgedV1, incident)
    assert [n.status for n in w.state.notifications.values()] == [Status.CANCELLED]


@pytest.mark.parametrize("again", [IncidentRetriggeredV1, IncidentReopenedV1])
async def test_a_retrigger_restarts_the_policy_as_a_new_cycle(again: type[Any]) -> None:
    w, incident = World(), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    w.clock.advance(MINUTE)
    await w.fire_due()
    await w.event(IncidentAcknowledgedV1, incident)
    assert await w.event(again, incident) == "paging"
    assert w.paged() == ["l0", "l1", "l0"]
    esc = w.state.escalations[incident]
    assert (esc.cycle, esc.level, esc.status) == (1, 0, State.ACTIVE)
    assert list(w.state.keys())[-1].endswith(":c1")


async def test_resolve_stops_for_good_and_a_trigger_while_paging_pages_nothing_more() -> None:
    w, incident = World(), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    assert await w.event(IncidentTriggeredV1, incident) == "already_paging"
    assert await w.event(IncidentResolvedV1, incident) == "stopped"
    assert await w.event(IncidentUnacknowledgedV1, incident) == "not_paused"
    w.clock.advance(MINUTE)
    assert await w.fire_due() == [] and w.paged() == ["l0"]


async def test_a_step_due_while_down_fires_late_and_says_so() -> None:
    w, incident = World(late_after=timedelta(seconds=30)), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    w.clock.advance(MINUTE + timedelta(minutes=10))
    await w.fire_due()
    late = list(w.state.notifications.values())[-1].payload["escalation"]
    assert late["late"] is True and late["late_by_s"] == 600.0  # type: ignore[index]
    first = next(iter(w.state.notifications.values())).payload["escalation"]
    assert first["late"] is False  # type: ignore[index]


async def test_a_stale_timer_from_an_earlier_page_does_nothing() -> None:
    w, incident = World(), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    stale = next(iter(w.state.timers.values())).payload
    w.clock.advance(MINUTE)
    await w.fire_due()
    outcome = await on_step_due(
        stale, lateness=timedelta(0), uow=w.uow(), ctx=w.ctx, now=w.clock.now()
    )
    assert outcome == "stale" and w.paged() == ["l0", "l1"]


ROUND_ROBIN = """
version: 1
services: [{name: checkout, escalation_policy: rr}]
channels:
  - {name: a, type: webhook, url: "http://x/a", secret: s}
  - {name: b, type: webhook, url: "http://x/b", secret: s}
  - {name: c, type: webhook, url: "http://x/c", secret: s}
escalation_policies:
  - name: rr
    levels:
      - targets: [{channel: a}, {channel: b}, {channel: c}]
        mode: round_robin
        delay_minutes: 5
"""


async def test_round_robin_pages_one_target_per_incident_in_turn() -> None:
    w = World(ROUND_ROBIN)
    for _ in range(4):
        await w.event(IncidentTriggeredV1, uuid4())
    assert w.paged() == ["a", "b", "c", "a"]


async def test_notify_all_pages_every_target() -> None:
    w = World(ROUND_ROBIN.replace("mode: round_robin", "mode: notify_all"))
    await w.event(IncidentTriggeredV1, uuid4())
    assert sorted(w.paged()) == ["a", "b", "c"]


USERS = """
version: 1
services: [{name: checkout, escalation_policy: people}]
channels:
  - {name: push, type: webhook, url: "http://x/a", secret: s}
  - {name: sms, type: webhook, url: "http://x/b", secret: s}
users:
  - name: alice
    contact_methods:
      - {name: phone, channel: push, address: "+100"}
      - {name: text, channel: sms, address: "+100"}
    notification_rules:
      - {contact: phone}
      - {contact: text, delay_minutes: 2}
escalation_policies:
  - name: people
    levels:
      - targets: [{user: alice}]
        delay_minutes: 5
"""


async def test_a_user_target_uses_the_users_contact_methods_after_their_rule_delays() -> None:
    w, incident = World(USERS), uuid4()
    await w.event(IncidentTriggeredV1, incident)
    rows = {n.target: n for n in w.state.notifications.values()}
    assert set(rows) == {"alice/phone", "alice/text"}
    assert rows["alice/phone"].next_attempt_at == T0
    assert rows["alice/text"].next_attempt_at == T0 + 2 * MINUTE
    assert rows["alice/text"].payload["recipient"] == {  # type: ignore[comparison-overlap]
        "target": "alice/text",
        "user": "alice",
        "address": "+100",
    }
    await w.event(IncidentAcknowledgedV1, incident)  # the delayed text is never sent
    assert rows["alice/text"].status is Status.CANCELLED


def test_every_state_can_be_stopped_and_nothing_leaves_stopped_but_a_new_cycle() -> None:
    assert {s for (s, m) in TRANSITIONS if m is Move.STOP} == {
        State.ACTIVE,
        State.ACKNOWLEDGED,
        State.EXHAUSTED,
    }
    assert {m for (s, m) in TRANSITIONS if s is State.STOPPED} == {Move.START}


def test_a_fresh_escalation_starts_at_cycle_zero_level_zero() -> None:
    esc = Escalation.new(incident_id=uuid4(), service="s", policy="p")
    page = esc.restart(PolicyShape(delays=(MINUTE,)), now=T0)
    assert (esc.cycle, page.level, page.seq, page.next_at) == (0, 0, 0, T0 + MINUTE)


ON_CALL = """
version: 1
services: [{name: checkout, escalation_policy: by-schedule}]
channels: [{name: push, type: webhook, url: "http://x/a", secret: s}]
users:
  - {name: ann, contact_methods: [{name: app, channel: push}]}
  - {name: bob, contact_methods: [{name: app, channel: push}]}
schedules:
  - name: primary
    layers: [{name: d, members: [ann, bob], shift_unit: days, start: 2026-03-01, handoff: "09:00"}]
escalation_policies:
  - name: by-schedule
    levels: [{targets: [{schedule: primary}], delay_minutes: 5}]
"""


async def test_a_schedule_target_pages_whoever_is_on_call() -> None:
    w = World(ON_CALL)
    w.ctx = PagingContext(
        config=w.ctx.config, incident_url="http://inc", on_call=schedule_lookup(w.ctx.config)
    )
    await w.event(IncidentTriggeredV1, uuid4())  # 1 March 12:00: ann's day
    w.clock.advance(timedelta(days=1))
    await w.event(IncidentTriggeredV1, uuid4())
    assert [n.target for n in w.state.notifications.values()] == ["ann/app", "bob/app"]
