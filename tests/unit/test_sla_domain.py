"""SLA clocks: the transition table, policy matching, retroactive start and readings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from tocsin_shared.config.models import SlaPolicy
from tocsin_sla_monitor.domain.clocks import (
    TRANSITIONS,
    ClockState,
    SlaClock,
    Stop,
    Target,
    applies_to,
    read,
    start_clocks,
    stop_clocks,
    targets_stopped_by,
)

from ..incident_events import T0, acknowledged, resolved, triggered


def _policy(name: str, **fields: Any) -> SlaPolicy:
    fields.setdefault("target", "time_to_acknowledge")
    fields.setdefault("minutes", 15)
    return SlaPolicy(name=name, **fields)


def _clock(minutes: float = 15) -> SlaClock:
    return SlaClock(
        id=uuid4(),
        incident_id=uuid4(),
        policy="tta",
        target=Target.TIME_TO_ACKNOWLEDGE,
        started_at=T0,
        due_at=T0 + timedelta(minutes=minutes),
    )


def test_only_a_running_clock_can_stop() -> None:
    assert TRANSITIONS == {
        (ClockState.RUNNING, Stop.ON_TIME): ClockState.MET,
        (ClockState.RUNNING, Stop.LATE): ClockState.BREACHED,
    }


@pytest.mark.parametrize(
    ("after", "state"),
    [
        (timedelta(minutes=14), ClockState.MET),
        (timedelta(minutes=15), ClockState.MET),
        (timedelta(minutes=15, seconds=1), ClockState.BREACHED),
    ],
)
def test_a_clock_stopped_by_its_due_time_is_met_and_after_it_breached(
    after: timedelta, state: ClockState
) -> None:
    clock = _clock()

    assert clock.stop(T0 + after)

    assert clock.state is state
    assert clock.stopped_at == T0 + after


def test_a_stopped_clock_does_not_stop_again() -> None:
    clock = _clock()
    clock.stop(T0 + timedelta(minutes=1))

    assert not clock.stop(T0 + timedelta(minutes=30))
    assert clock.state is ClockState.MET
    assert clock.stopped_at == T0 + timedelta(minutes=1)


def test_a_policy_covers_the_services_it_names_or_all_when_it_names_none() -> None:
    assert applies_to(_policy("a", services=["checkout"]), "checkout")
    assert not applies_to(_policy("a", services=["checkout"]), "payments")
    assert applies_to(_policy("b"), "payments")


def test_clocks_start_retroactively_for_each_matching_policy() -> None:
    policies = [
        _policy("checkout-tta", services=["checkout"]),
        _policy("payments-tta", services=["payments"]),
        _policy("all-ttr", target="time_to_resolve", minutes=240),
    ]
    incident_id = uuid4()

    clocks = start_clocks(policies, incident_id=incident_id, service="checkout", triggered_at=T0)

    assert [(c.policy, c.target, c.state) for c in clocks] == [
        ("checkout-tta", Target.TIME_TO_ACKNOWLEDGE, ClockState.RUNNING),
        ("all-ttr", Target.TIME_TO_RESOLVE, ClockState.RUNNING),
    ]
    assert {c.started_at for c in clocks} == {T0}
    assert [c.due_at for c in clocks] == [T0 + timedelta(minutes=15), T0 + timedelta(hours=4)]
    again = start_clocks(policies, incident_id=incident_id, service="checkout", triggered_at=T0)
    assert [c.id for c in again] == [c.id for c in clocks]


def test_acknowledging_stops_the_wait_for_acknowledgement_and_resolving_stops_everything() -> None:
    incident_id = uuid4()
    assert targets_stopped_by(triggered(incident_id)) == frozenset()
    assert targets_stopped_by(acknowledged(incident_id, at=T0)) == {Target.TIME_TO_ACKNOWLEDGE}
    assert targets_stopped_by(resolved(incident_id, at=T0)) == {
        Target.TIME_TO_ACKNOWLEDGE,
        Target.TIME_TO_RESOLVE,
    }


def test_stop_clocks_returns_only_the_clocks_that_changed() -> None:
    running, stopped = _clock(), _clock()
    stopped.stop(T0)

    assert stop_clocks([running, stopped], at=T0 + timedelta(minutes=2)) == [running]


def test_a_running_clock_reads_against_now_and_goes_negative_once_due() -> None:
    clock = _clock(minutes=10)

    halfway = read(clock, now=T0 + timedelta(minutes=5))
    overdue = read(clock, now=T0 + timedelta(minutes=12))

    assert (halfway.elapsed_s, halfway.remaining_s, halfway.percent) == (300.0, 300.0, 50.0)
    assert (overdue.elapsed_s, overdue.remaining_s, overdue.percent) == (720.0, -120.0, 120.0)


def test_a_stopped_clock_reads_where_it_stopped() -> None:
    clock = _clock(minutes=10)
    clock.stop(T0 + timedelta(minutes=2))

    reading = read(clock, now=T0 + timedelta(days=1))

    assert (reading.elapsed_s, reading.remaining_s, reading.percent) == (120.0, 480.0, 20.0)
