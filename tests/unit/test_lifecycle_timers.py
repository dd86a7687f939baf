"""The timers an incident wants, and what a firing timer does (or, when stale, does not do)."""

from datetime import timedelta

import pytest
from tocsin_incident.domain.model import SYSTEM, Args, Command
from tocsin_incident.domain.timers import (
    NO_POLICY,
    LifecyclePolicy,
    TimerKind,
    lifecycle_policies,
    wanted_timers,
)
from tocsin_shared.config import parse_config
from tocsin_shared.contracts.events import (
    IncidentResolvedV1,
    IncidentRetriggeredV1,
    IncidentStatus,
)

from .test_incident_domain import ALICE, NOW, alert, incident_in

POLICY = LifecyclePolicy(ack_timeout=timedelta(minutes=30), auto_resolve=timedelta(hours=4))
HOUR = timedelta(hours=1)


def test_a_triggered_incident_wants_only_auto_resolve_from_its_last_alert() -> None:
    incident = incident_in(IncidentStatus.TRIGGERED)
    assert wanted_timers(incident, POLICY) == {
        TimerKind.SNOOZE: None,
        TimerKind.ACK_TIMEOUT: None,
        TimerKind.AUTO_RESOLVE: NOW + 4 * HOUR,
    }
    incident.absorb(alert(), at=NOW + HOUR)  # each absorbed alert moves it
    assert wanted_timers(incident, POLICY)[TimerKind.AUTO_RESOLVE] == NOW + 5 * HOUR


def test_acknowledging_wants_the_ack_timeout_and_snoozing_replaces_it() -> None:
    incident = incident_in(IncidentStatus.ACKNOWLEDGED)
    assert wanted_timers(incident, POLICY)[TimerKind.ACK_TIMEOUT] == NOW + timedelta(minutes=30)
    incident.apply(Command.SNOOZE, actor=ALICE, at=NOW, args=Args(until=NOW + 2 * HOUR))
    wanted = wanted_timers(incident, POLICY)
    assert wanted[TimerKind.SNOOZE] == NOW + 2 * HOUR
    assert wanted[TimerKind.ACK_TIMEOUT] is None


def test_without_a_policy_only_a_snooze_is_wanted() -> None:
    incident = incident_in(IncidentStatus.ACKNOWLEDGED)
    assert set(wanted_timers(incident, NO_POLICY).values()) == {None}
    incident.apply(Command.SNOOZE, actor=ALICE, at=NOW, args=Args(until=NOW + HOUR))
    assert wanted_timers(incident, NO_POLICY)[TimerKind.SNOOZE] == NOW + HOUR


@pytest.mark.parametrize("command", [Command.UNACKNOWLEDGE, Command.RESOLVE])
def test_leaving_the_snooze_cancels_every_timer_it_implied(command: Command) -> None:
    incident = incident_in(IncidentStatus.ACKNOWLEDGED)
    incident.apply(Command.SNOOZE, actor=ALICE, at=NOW, args=Args(until=NOW + HOUR))
    incident.apply(command, actor=ALICE, at=NOW)
    wanted = wanted_timers(incident, POLICY)
    assert wanted[TimerKind.SNOOZE] is None and wanted[TimerKind.ACK_TIMEOUT] is None


def test_a_resolved_incident_wants_no_timer() -> None:
    incident = incident_in(IncidentStatus.RESOLVED)
    assert set(wanted_timers(incident, POLICY).values()) == {None}


def test_snooze_expiry_retriggers_as_the_system() -> None:
    incident = incident_in(IncidentStatus.ACKNOWLEDGED)
    incident.apply(Command.SNOOZE, actor=ALICE, at=NOW, args=Args(until=NOW + HOUR))
    incident.events.clear()
    assert not incident.expire(TimerKind.SNOOZE, policy=POLICY, at=NOW + HOUR / 2)  # early
    assert incident.expire(TimerKind.SNOOZE, policy=POLICY, at=NOW + HOUR)
    (event,) = incident.events
    assert isinstance(event, IncidentRetriggeredV1)
    assert (event.reason, event.actor, event.status) == (
        "snooze_expired",
        SYSTEM,
        IncidentStatus.TRIGGERED,
    )
    assert incident.snoozed_until is None and incident.acknowledged_at is None
    assert incident.timeline[-1].kind == "retriggered"


def test_ack_timeout_retriggers_and_a_stale_one_does_nothing() -> None:
    incident = incident_in(IncidentStatus.ACKNOWLEDGED)
    assert incident.expire(TimerKind.ACK_TIMEOUT, policy=POLICY, at=NOW + HOUR)
    assert incident.status is IncidentStatus.TRIGGERED
    assert [e.reason for e in incident.events] == ["ack_timeout"]  # type: ignore[attr-defined]
    # it already fired: the incident is triggered again, so a second firing is stale
    assert not incident.expire(TimerKind.ACK_TIMEOUT, policy=POLICY, at=NOW + 2 * HOUR)
    assert not incident.expire(TimerKind.SNOOZE, policy=POLICY, at=NOW + 2 * HOUR)
    assert len(incident.events) == 1


def test_auto_resolve_waits_for_the_quiet_period_after_the_last_alert() -> None:
    incident = incident_in(IncidentStatus.TRIGGERED)
    incident.absorb(alert(), at=NOW + 3 * HOUR)
    assert not incident.expire(TimerKind.AUTO_RESOLVE, policy=POLICY, at=NOW + 4 * HOUR)
    assert incident.expire(TimerKind.AUTO_RESOLVE, policy=POLICY, at=NOW + 7 * HOUR)
    (event,) = incident.events
    assert isinstance(event, IncidentResolvedV1) and event.actor == SYSTEM
    assert incident.timeline[-1].detail == {"reason": "auto_resolved_after_inactivity"}


def test_a_timer_without_a_policy_behind_it_does_nothing() -> None:
    incident = incident_in(IncidentStatus.ACKNOWLEDGED)
    for kind in TimerKind:
        assert not incident.expire(kind, policy=NO_POLICY, at=NOW + 100 * HOUR)
    assert incident.status is IncidentStatus.ACKNOWLEDGED and incident.events == []


def test_policies_come_from_the_services_config() -> None:
    config = parse_config(
        """
version: 1
services:
  - name: checkout
    ack_timeout_minutes: 30
    auto_resolve_minutes: 240
  - name: search
""",
        source="test",
    )
    assert lifecycle_policies(config) == {"checkout": POLICY, "search": NO_POLICY}


@pytest.mark.parametrize("value", [0, -5, "soon"])
def test_a_bad_timeout_in_the_config_is_rejected(value: object) -> None:
    with pytest.raises(Exception, match="ack_timeout_minutes"):
        parse_config(
            f"version: 1\nservices:\n  - name: checkout\n    ack_timeout_minutes: {value}\n",
            source="test",
        )
