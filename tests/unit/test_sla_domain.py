"""SLA clocks and policies: transitions, business-time pauses, thresholds, matching, conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tocsin_shared.config.models import Calendar, SlaPolicy, WorkingHours
from tocsin_shared.contracts.events import IncidentEventData, IncidentMergedV1, Severity
from tocsin_sla_monitor.calendars import business_calendar
from tocsin_sla_monitor.domain.calendar import always_on, elapsed
from tocsin_sla_monitor.domain.clocks import (
    BREACH,
    TRANSITIONS,
    Change,
    ClockState,
    SlaClock,
    new_clock,
    read,
)
from tocsin_sla_monitor.domain.policies import (
    Action,
    conditions,
    event_name,
    matches,
    policies_starting,
)

from ..incident_events import T0, acknowledged, triggered

ALWAYS = always_on()
NY = ZoneInfo("America/New_York")
OFFICE = business_calendar(
    Calendar(
        name="office",
        time_zone="America/New_York",
        hours=[WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], start="09:00", end="17:00")],
    )
)


def _policy(name: str, **fields: Any) -> SlaPolicy:
    fields.setdefault("target", "time_to_acknowledge")
    fields.setdefault("minutes", 15)
    return SlaPolicy(name=name, **fields)


def _clock(minutes: float = 10, *, calendar: Any = ALWAYS, start: datetime = T0) -> SlaClock:
    return new_clock(
        incident_id=uuid4(),
        policy="tta",
        target="time_to_acknowledge",
        cycle=0,
        started_at=start,
        budget=timedelta(minutes=minutes),
        calendar=calendar,
        service="checkout",
        severity="critical",
        warn_at=(50, 75, 90),
    )


def test_only_open_clocks_change_and_only_a_paused_clock_resumes() -> None:
    assert TRANSITIONS[(ClockState.RUNNING, Change.PAUSE)] is ClockState.PAUSED
    assert TRANSITIONS[(ClockState.PAUSED, Change.RESUME)] is ClockState.RUNNING
    assert (ClockState.RUNNING, Change.RESUME) not in TRANSITIONS
    for closed in (ClockState.MET, ClockState.BREACHED, ClockState.CANCELLED):
        assert not any(state is closed for state, _ in TRANSITIONS)


@pytest.mark.parametrize(
    ("after", "state"),
    [
        (timedelta(minutes=10), ClockState.MET),
        (timedelta(minutes=10, seconds=1), ClockState.BREACHED),
    ],
)
def test_a_clock_stopped_by_its_due_time_is_met_and_after_it_breached(
    after: timedelta, state: ClockState
) -> None:
    clock = _clock()

    assert clock.stop(ALWAYS, T0 + after)

    assert clock.state is state
    assert not clock.stop(ALWAYS, T0 + after + timedelta(minutes=1))
    assert clock.stopped_at == T0 + after


def test_pause_and_resume_move_the_due_time_by_the_paused_time() -> None:
    clock = _clock()
    assert clock.due_at == T0 + timedelta(minutes=10)
    generation = clock.generation

    assert clock.pause(ALWAYS, T0 + timedelta(minutes=4))
    assert clock.next_due(ALWAYS) is None
    assert clock.resume(ALWAYS, T0 + timedelta(minutes=7))

    assert clock.due_at == T0 + timedelta(minutes=13)
    assert clock.generation == generation + 2
    assert read(clock, ALWAYS, now=T0 + timedelta(minutes=8)).elapsed_s == 300.0


def test_a_pause_across_a_weekend_costs_only_the_business_time_it_covers() -> None:
    friday_4pm = datetime(2026, 1, 9, 16, 0, tzinfo=NY).astimezone(UTC)
    clock = _clock(minutes=240, calendar=OFFICE, start=friday_4pm)
    assert clock.due_at == datetime(2026, 1, 12, 12, 0, tzinfo=NY)

    clock.pause(OFFICE, friday_4pm + timedelta(minutes=30))
    clock.resume(OFFICE, datetime(2026, 1, 12, 10, 0, tzinfo=NY).astimezone(UTC))

    # Paused for Friday 16:30-17:00 and Monday 09:00-10:00 of business time: 1.5 h later.
    assert clock.due_at == datetime(2026, 1, 12, 13, 30, tzinfo=NY)


def test_thresholds_fire_once_each_and_all_that_are_due_fire_together() -> None:
    clock = _clock()

    assert clock.next_due(ALWAYS) == T0 + timedelta(minutes=5)
    assert clock.fire_due(ALWAYS, T0 + timedelta(minutes=5)) == [(50, T0 + timedelta(minutes=5))]
    assert clock.fire_due(ALWAYS, T0 + timedelta(minutes=5)) == []
    late = clock.fire_due(ALWAYS, T0 + timedelta(minutes=11))

    assert [p for p, _ in late] == [75, 90, BREACH]
    assert late[-1][1] == T0 + timedelta(minutes=10)
    assert clock.breached_at == T0 + timedelta(minutes=11)
    assert clock.next_due(ALWAYS) is None


def test_a_paused_or_stopped_clock_fires_nothing() -> None:
    paused, stopped = _clock(), _clock()
    paused.pause(ALWAYS, T0 + timedelta(minutes=1))
    stopped.stop(ALWAYS, T0 + timedelta(minutes=1))

    assert paused.fire_due(ALWAYS, T0 + timedelta(hours=1)) == []
    assert stopped.fire_due(ALWAYS, T0 + timedelta(hours=1)) == []


def test_a_clock_reads_against_now_and_goes_negative_once_due() -> None:
    clock = _clock()

    halfway = read(clock, ALWAYS, now=T0 + timedelta(minutes=5))
    overdue = read(clock, ALWAYS, now=T0 + timedelta(minutes=12))
    clock.stop(ALWAYS, T0 + timedelta(minutes=2))
    stopped = read(clock, ALWAYS, now=T0 + timedelta(days=1))

    assert (halfway.elapsed_s, halfway.remaining_s, halfway.percent) == (300.0, 300.0, 50.0)
    assert (overdue.elapsed_s, overdue.remaining_s, overdue.percent) == (720.0, -120.0, 120.0)
    assert (stopped.elapsed_s, stopped.remaining_s, stopped.percent) == (120.0, 480.0, 20.0)


def _with(event: IncidentEventData, **fields: Any) -> IncidentEventData:
    return type(event).model_validate({**event.model_dump(), **fields})


def test_the_first_matching_policy_per_target_wins_and_a_catch_all_comes_last() -> None:
    policies = [
        _policy("checkout-critical", services=["checkout"], severities=["critical"]),
        _policy("eu-p1", labels={"region": "eu"}, priorities=["P1"]),
        _policy("any-tta"),
        _policy("any-ttr", target="time_to_resolve", minutes=60),
        _policy("ignored-ttr", target="time_to_resolve", minutes=1),
    ]
    checkout = triggered(uuid4())
    eu = _with(triggered(uuid4(), service="payments"), labels={"region": "eu", "priority": "P1"})
    other = _with(triggered(uuid4(), service="payments"), severity=Severity.INFO)

    assert [p.name for p in policies_starting(policies, checkout)] == [
        "checkout-critical",
        "any-ttr",
    ]
    assert [p.name for p in policies_starting(policies, eu)] == ["eu-p1", "any-ttr"]
    assert [p.name for p in policies_starting(policies, other)] == ["any-tta", "any-ttr"]
    assert not matches(policies[0], other)
    assert policies_starting(policies, acknowledged(uuid4(), at=T0)) == []


def test_default_conditions_and_configured_ones() -> None:
    tta = conditions(_policy("tta"))
    ttr = conditions(_policy("ttr", target="time_to_resolve"))
    custom = conditions(
        _policy("note", target="time_to_first_note", stop_on=["note_added"], pause_on=[])
    )

    assert tta.action("acknowledged") is Action.STOP
    assert ttr.action("acknowledged") is None
    assert ttr.action("resolved") is Action.STOP
    assert tta.action("snoozed") is Action.PAUSE
    assert tta.action("retriggered") is Action.RESUME
    assert tta.action("merged") is Action.CANCEL
    assert tta.action("reopened") is Action.RESET
    assert custom.action("note_added") is Action.STOP
    assert custom.action("snoozed") is None
    assert custom.start_on == {"triggered"}


def test_another_target_must_say_what_stops_it() -> None:
    with pytest.raises(ValueError, match="stop_on"):
        _policy("note", target="time_to_first_note")


def _merged(incident_id: UUID, *, source: UUID, target: UUID) -> IncidentMergedV1:
    fields = acknowledged(incident_id, at=T0).model_dump()
    return IncidentMergedV1.model_validate(
        {**fields, "source_incident_id": source, "target_incident_id": target, "alert_count": 2}
    )


def test_a_merge_is_merged_for_the_incident_merged_away_and_absorbed_for_the_survivor() -> None:
    gone, kept = uuid4(), uuid4()

    assert event_name(_merged(gone, source=gone, target=kept)) == "merged"
    assert event_name(_merged(kept, source=gone, target=kept)) == "absorbed"
    assert event_name(triggered()) == "triggered"


PAUSE_CALENDARS = st.sampled_from([ALWAYS, OFFICE])
MOMENTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
)
GAPS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=6))


@settings(max_examples=100, deadline=None)
@given(
    calendar=PAUSE_CALENDARS,
    start=MOMENTS,
    run=GAPS,
    paused=GAPS,
    budget_min=st.integers(min_value=1, max_value=5_000),
)
def test_a_paused_clock_is_due_when_its_budget_of_unpaused_business_time_is_spent(
    calendar: Any, start: datetime, run: timedelta, paused: timedelta, budget_min: int
) -> None:
    clock = _clock(minutes=budget_min, calendar=calendar, start=start)
    unpaused_due = clock.due_at

    pause_at, resume_at = start + run, start + run + paused
    clock.pause(calendar, pause_at)
    clock.resume(calendar, resume_at)

    close = timedelta(milliseconds=1)  # the consumed budget is kept in float seconds
    if pause_at < unpaused_due:
        # Moved by exactly the business time the pause covered.
        moved = elapsed(calendar, unpaused_due, clock.due_at)
        assert abs(moved - elapsed(calendar, pause_at, resume_at)) <= close
        spent = elapsed(calendar, start, pause_at) + elapsed(calendar, resume_at, clock.due_at)
        assert abs(spent - timedelta(minutes=budget_min)) <= close
    else:
        assert clock.due_at == unpaused_due  # it came due before the pause
