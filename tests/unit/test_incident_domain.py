from datetime import UTC, datetime

import pytest
from tocsin_incident.domain.model import TRANSITIONS, Command, IllegalTransition, Incident
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import (
    Actor,
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentStatus,
    IncidentTriggeredV1,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALICE = Actor(kind="user", id="alice")


def alert(**overrides: object) -> RawAlertV1:
    fields: dict[str, object] = {
        "integration": "prom",
        "service": "checkout",
        "dedup_key": "k1",
        "summary": "db down",
        "received_at": NOW,
    }
    return RawAlertV1.model_validate({**fields, **overrides})


def test_opening_records_a_triggered_event_and_timeline() -> None:
    incident = Incident.open(alert(), at=NOW)
    assert incident.status is IncidentStatus.TRIGGERED
    assert [type(e) for e in incident.events] == [IncidentTriggeredV1]
    assert incident.timeline[0].kind == "triggered"


def test_absorbing_counts_and_keeps_latest_payload_without_an_event() -> None:
    incident = Incident.open(alert(), at=NOW)
    incident.events.clear()
    incident.absorb(alert(summary="db still down", severity="critical"), at=NOW)
    assert incident.alert_count == 2
    assert incident.summary == "db still down"
    assert incident.events == []


@pytest.mark.parametrize(("start", "command"), sorted(TRANSITIONS))
def test_every_legal_transition_records_its_event(start: IncidentStatus, command: Command) -> None:
    incident = Incident.open(alert(), at=NOW)
    incident.status = start
    incident.events.clear()
    incident.apply(command, actor=ALICE, at=NOW)
    assert incident.status is TRANSITIONS[(start, command)]
    expected = {
        IncidentStatus.ACKNOWLEDGED: IncidentAcknowledgedV1,
        IncidentStatus.RESOLVED: IncidentResolvedV1,
    }
    assert [type(e) for e in incident.events] == [expected[incident.status]]
    assert incident.events[0].actor == ALICE  # type: ignore[attr-defined]


ILLEGAL = [
    (status, command)
    for status in IncidentStatus
    for command in Command
    if (status, command) not in TRANSITIONS
]


@pytest.mark.parametrize(("start", "command"), ILLEGAL)
def test_illegal_transitions_raise_and_change_nothing(
    start: IncidentStatus, command: Command
) -> None:
    incident = Incident.open(alert(), at=NOW)
    incident.status = start
    incident.events.clear()
    with pytest.raises(IllegalTransition):
        incident.apply(command, actor=ALICE, at=NOW)
    assert incident.status is start
    assert incident.events == []


def test_there_are_illegal_transitions_to_check() -> None:
    assert (IncidentStatus.RESOLVED, Command.ACKNOWLEDGE) in ILLEGAL
