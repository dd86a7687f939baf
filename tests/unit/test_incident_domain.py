from datetime import UTC, datetime, timedelta

import pytest
from tocsin_incident.domain.model import (
    SYSTEM,
    TRANSITIONS,
    Args,
    Command,
    Conflict,
    IllegalTransition,
    Incident,
    InvalidChange,
    merge,
)
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import (
    Actor,
    EventData,
    IncidentAcknowledgedV1,
    IncidentAssignedV1,
    IncidentMergedV1,
    IncidentNoteAddedV1,
    IncidentPriorityChangedV1,
    IncidentReopenedV1,
    IncidentResolvedV1,
    IncidentRetriggeredV1,
    IncidentSeverityChangedV1,
    IncidentSnoozedV1,
    IncidentStatus,
    IncidentTriggeredV1,
    IncidentUnacknowledgedV1,
    Priority,
    Severity,
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


def incident_in(status: IncidentStatus, **overrides: object) -> Incident:
    """An incident that reached `status` the way the table allows, with no pending records."""
    incident = Incident.open(alert(**overrides), at=NOW)
    if status is not IncidentStatus.TRIGGERED:
        incident.apply(Command.ACKNOWLEDGE, actor=ALICE, at=NOW)
    if status is IncidentStatus.RESOLVED:
        incident.apply(Command.RESOLVE, actor=ALICE, at=NOW)
    incident.events.clear()
    incident.timeline.clear()
    return incident


ARGS: dict[Command, Args] = {
    Command.SNOOZE: Args(until=NOW + timedelta(hours=1)),
    Command.RETRIGGER: Args(reason="ack_timeout"),
    Command.ASSIGN: Args(assignee="bob"),
    Command.NOTE: Args(text="restarted the primary"),
    Command.PRIORITY: Args(priority=Priority.P1),
    Command.SEVERITY: Args(severity=Severity.CRITICAL),
    Command.MERGE_AWAY: Args(peer=incident_in(IncidentStatus.TRIGGERED, dedup_key="other")),
    Command.MERGE_IN: Args(peer=incident_in(IncidentStatus.TRIGGERED, dedup_key="other")),
}

EVENTS: dict[Command, list[type[EventData]]] = {
    Command.ACKNOWLEDGE: [IncidentAcknowledgedV1],
    Command.UNACKNOWLEDGE: [IncidentUnacknowledgedV1],
    Command.RESOLVE: [IncidentResolvedV1],
    Command.REOPEN: [IncidentReopenedV1],
    Command.SNOOZE: [IncidentSnoozedV1],
    Command.RETRIGGER: [IncidentRetriggeredV1],
    Command.ASSIGN: [IncidentAssignedV1],
    Command.NOTE: [IncidentNoteAddedV1],
    Command.PRIORITY: [IncidentPriorityChangedV1],
    Command.SEVERITY: [IncidentSeverityChangedV1],
    Command.MERGE_AWAY: [IncidentResolvedV1, IncidentMergedV1],
    Command.MERGE_IN: [IncidentMergedV1],
}


def test_opening_records_a_triggered_event_and_timeline() -> None:
    incident = Incident.open(alert(), at=NOW)
    assert incident.status is IncidentStatus.TRIGGERED
    assert [type(e) for e in incident.events] == [IncidentTriggeredV1]
    assert incident.timeline[0].kind == "triggered"
    assert incident.last_alert_at == NOW


def test_absorbing_counts_and_keeps_latest_payload_without_an_event() -> None:
    incident = Incident.open(alert(), at=NOW)
    incident.events.clear()
    later = NOW + timedelta(minutes=3)
    incident.absorb(alert(summary="db still down", severity="critical"), at=later)
    assert incident.alert_count == 2
    assert incident.summary == "db still down"
    assert incident.last_alert_at == later
    assert incident.events == []


def test_every_command_has_arguments_or_needs_none_and_an_expected_event() -> None:
    assert set(EVENTS) == set(Command)


@pytest.mark.parametrize(("start", "command"), sorted(TRANSITIONS))
def test_every_legal_transition_records_its_events_and_timeline(
    start: IncidentStatus, command: Command
) -> None:
    incident = incident_in(start)
    incident.apply(command, actor=ALICE, at=NOW, args=ARGS.get(command, Args()))
    assert incident.status is TRANSITIONS[(start, command)]
    assert [type(e) for e in incident.events] == EVENTS[command]
    assert all(e.actor == ALICE for e in incident.events)  # type: ignore[attr-defined]
    assert all(e.status is incident.status for e in incident.events)  # type: ignore[attr-defined]
    assert len(incident.timeline) == len(incident.events)
    assert all(entry.actor == ALICE for entry in incident.timeline)


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
    incident = incident_in(start)
    with pytest.raises(IllegalTransition):
        incident.apply(command, actor=ALICE, at=NOW, args=ARGS.get(command, Args()))
    assert incident.status is start
    assert incident.events == [] and incident.timeline == []


def test_the_illegal_ones_include_the_obvious() -> None:
    for pair in [
        (IncidentStatus.RESOLVED, Command.ACKNOWLEDGE),
        (IncidentStatus.TRIGGERED, Command.UNACKNOWLEDGE),
        (IncidentStatus.TRIGGERED, Command.REOPEN),
        (IncidentStatus.ACKNOWLEDGED, Command.REOPEN),
        (IncidentStatus.TRIGGERED, Command.SNOOZE),
        (IncidentStatus.RESOLVED, Command.ASSIGN),
        (IncidentStatus.RESOLVED, Command.MERGE_IN),
    ]:
        assert pair in ILLEGAL


@pytest.mark.parametrize(
    ("command", "args"),
    [
        (Command.SNOOZE, Args(until=NOW)),
        (Command.SNOOZE, Args(until=NOW - timedelta(minutes=1))),
        (Command.SNOOZE, Args()),
        (Command.NOTE, Args(text="x" * 10_001)),
        (Command.NOTE, Args(text="")),
        (Command.ASSIGN, Args()),
        (Command.PRIORITY, Args()),
        (Command.RETRIGGER, Args()),
    ],
)
def test_bad_arguments_are_invalid_and_change_nothing(command: Command, args: Args) -> None:
    incident = incident_in(IncidentStatus.ACKNOWLEDGED)
    with pytest.raises(InvalidChange):
        incident.apply(command, actor=ALICE, at=NOW, args=args)
    assert incident.status is IncidentStatus.ACKNOWLEDGED
    assert incident.snoozed_until is None and incident.assignee is None
    assert incident.events == [] and incident.timeline == []


def test_classification_changes_keep_the_previous_value() -> None:
    incident = incident_in(IncidentStatus.TRIGGERED)
    incident.apply(Command.PRIORITY, actor=ALICE, at=NOW, args=Args(priority=Priority.P2))
    incident.apply(Command.PRIORITY, actor=ALICE, at=NOW, args=Args(priority=Priority.P1))
    incident.apply(Command.ASSIGN, actor=ALICE, at=NOW, args=Args(assignee="bob"))
    incident.apply(Command.ASSIGN, actor=ALICE, at=NOW, args=Args(assignee="carol"))
    incident.apply(Command.SEVERITY, actor=ALICE, at=NOW, args=Args(severity=Severity.INFO))
    _, p1, _, carol, sev = incident.events
    assert isinstance(p1, IncidentPriorityChangedV1) and p1.previous_priority is Priority.P2
    assert isinstance(carol, IncidentAssignedV1) and carol.previous_assignee == "bob"
    assert isinstance(sev, IncidentSeverityChangedV1)
    assert (sev.severity, sev.previous_severity) == (Severity.INFO, Severity.ERROR)
    assert (incident.priority, incident.assignee) == (Priority.P1, "carol")
    assert incident.timeline[-1].detail == {"previous_severity": "error", "severity": "info"}


def test_merge_resolves_the_source_and_the_target_counts_its_alerts() -> None:
    source = incident_in(IncidentStatus.ACKNOWLEDGED, dedup_key="a")
    target = incident_in(IncidentStatus.TRIGGERED, dedup_key="b")
    source.alert_count, target.alert_count = 3, 2
    merge(source, target, actor=ALICE, at=NOW)
    assert source.status is IncidentStatus.RESOLVED and source.merged_into == target.id
    assert target.status is IncidentStatus.TRIGGERED and target.alert_count == 5
    assert source.timeline[0].detail == {"reason": f"merged into {target.id}"}
    for side in (source, target):
        (merged,) = [e for e in side.events if isinstance(e, IncidentMergedV1)]
        assert (merged.source_incident_id, merged.target_incident_id) == (source.id, target.id)
        assert merged.alert_count == 3 and merged.incident_id == side.id
        assert side.timeline[-1].kind == "merged"


@pytest.mark.parametrize(
    ("source_status", "target_status"),
    [
        (IncidentStatus.TRIGGERED, IncidentStatus.RESOLVED),
        (IncidentStatus.RESOLVED, IncidentStatus.TRIGGERED),
        (IncidentStatus.RESOLVED, IncidentStatus.RESOLVED),
    ],
)
def test_merge_with_a_resolved_side_is_a_conflict_and_changes_nothing(
    source_status: IncidentStatus, target_status: IncidentStatus
) -> None:
    source = incident_in(source_status, dedup_key="a")
    target = incident_in(target_status, dedup_key="b")
    with pytest.raises(Conflict):
        merge(source, target, actor=ALICE, at=NOW)
    assert (source.status, target.status) == (source_status, target_status)
    assert source.events == target.events == []


def test_merging_into_itself_is_a_conflict() -> None:
    incident = incident_in(IncidentStatus.TRIGGERED)
    with pytest.raises(Conflict):
        merge(incident, incident, actor=ALICE, at=NOW)
    assert incident.events == []


def test_system_actor_is_a_system() -> None:
    assert SYSTEM.kind == "system"
