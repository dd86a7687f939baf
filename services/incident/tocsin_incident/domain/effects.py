"""What each command does to an incident besides its status, and the events it records.

An effect validates its arguments before it changes anything (InvalidChange), then returns the
steps to record: one timeline entry and one event each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from tocsin_shared.contracts.events import (
    IncidentAcknowledgedV1,
    IncidentAssignedV1,
    IncidentEventData,
    IncidentMergedV1,
    IncidentNoteAddedV1,
    IncidentPriorityChangedV1,
    IncidentReopenedV1,
    IncidentResolvedV1,
    IncidentRetriggeredV1,
    IncidentSeverityChangedV1,
    IncidentSnoozedV1,
    IncidentUnacknowledgedV1,
)

from .commands import NOTE_MAX_CHARS, Args, Command, InvalidChange

if TYPE_CHECKING:
    from .model import Incident


@dataclass(frozen=True)
class Step:
    kind: str
    event: type[IncidentEventData]
    fields: dict[str, object] = field(default_factory=dict)
    note: dict[str, object] = field(default_factory=dict)  # on the timeline only


Effect = Callable[["Incident", Args, datetime], list[Step]]


V = TypeVar("V")


def _required(value: V | None, what: str) -> V:
    if value is None or value == "":
        raise InvalidChange(f"{what} is required")
    return value


def _acknowledge(i: Incident, args: Args, at: datetime) -> list[Step]:
    i.acknowledged_at = at
    return [Step("acknowledged", IncidentAcknowledgedV1)]


def _unacknowledge(i: Incident, args: Args, at: datetime) -> list[Step]:
    i.acknowledged_at, i.snoozed_until = None, None
    return [Step("unacknowledged", IncidentUnacknowledgedV1, {"triggered_at": at})]


def _resolve(i: Incident, args: Args, at: datetime) -> list[Step]:
    i.resolved_at, i.snoozed_until = at, None
    note: dict[str, object] = {"reason": args.reason} if args.reason else {}
    return [Step("resolved", IncidentResolvedV1, note=note)]


def _reopen(i: Incident, args: Args, at: datetime) -> list[Step]:
    # Reopening is activity: auto-resolve counts its quiet time from here, not from the old alert.
    i.resolved_at, i.acknowledged_at, i.merged_into, i.last_alert_at = None, None, None, at
    return [Step("reopened", IncidentReopenedV1, {"triggered_at": at})]


def _snooze(i: Incident, args: Args, at: datetime) -> list[Step]:
    until = _required(args.until, "until")
    if until <= at:
        raise InvalidChange("a snooze must end in the future")
    i.snoozed_until = until
    return [Step("snoozed", IncidentSnoozedV1, {"snoozed_until": until})]


def _retrigger(i: Incident, args: Args, at: datetime) -> list[Step]:
    reason = _required(args.reason, "reason")
    i.acknowledged_at, i.snoozed_until = None, None
    return [Step("retriggered", IncidentRetriggeredV1, {"triggered_at": at, "reason": reason})]


def _assign(i: Incident, args: Args, at: datetime) -> list[Step]:
    assignee = _required(args.assignee, "assignee")
    previous, i.assignee = i.assignee, assignee
    fields: dict[str, object] = {"assignee": assignee, "previous_assignee": previous}
    return [Step("assigned", IncidentAssignedV1, fields)]


def _note(i: Incident, args: Args, at: datetime) -> list[Step]:
    text = _required(args.text, "text")
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidChange(f"a note holds at most {NOTE_MAX_CHARS} characters")
    return [Step("note_added", IncidentNoteAddedV1, {"text": text})]


def _priority(i: Incident, args: Args, at: datetime) -> list[Step]:
    priority = _required(args.priority, "priority")
    previous, i.priority = i.priority, priority
    fields: dict[str, object] = {"priority": priority, "previous_priority": previous}
    return [Step("priority_changed", IncidentPriorityChangedV1, fields)]


def _severity(i: Incident, args: Args, at: datetime) -> list[Step]:
    severity = _required(args.severity, "severity")
    previous, i.severity = i.severity, severity
    fields: dict[str, object] = {"previous_severity": previous}
    return [Step("severity_changed", IncidentSeverityChangedV1, fields, {"severity": severity})]


def _merge_away(i: Incident, args: Args, at: datetime) -> list[Step]:
    target = _required(args.peer, "the incident to merge into")
    i.resolved_at, i.snoozed_until, i.merged_into = at, None, target.id
    merged: dict[str, object] = {
        "source_incident_id": i.id,
        "target_incident_id": target.id,
        "alert_count": i.alert_count,
    }
    return [
        Step("resolved", IncidentResolvedV1, note={"reason": f"merged into {target.id}"}),
        Step("merged", IncidentMergedV1, merged, {"role": "source"}),
    ]


def _merge_in(i: Incident, args: Args, at: datetime) -> list[Step]:
    source = _required(args.peer, "the incident merged in")
    i.alert_count += source.alert_count
    merged: dict[str, object] = {
        "source_incident_id": source.id,
        "target_incident_id": i.id,
        "alert_count": source.alert_count,
    }
    return [Step("merged", IncidentMergedV1, merged, {"role": "target"})]


EFFECTS: dict[Command, Effect] = {
    Command.ACKNOWLEDGE: _acknowledge,
    Command.UNACKNOWLEDGE: _unacknowledge,
    Command.RESOLVE: _resolve,
    Command.REOPEN: _reopen,
    Command.SNOOZE: _snooze,
    Command.RETRIGGER: _retrigger,
    Command.ASSIGN: _assign,
    Command.NOTE: _note,
    Command.PRIORITY: _priority,
    Command.SEVERITY: _severity,
    Command.MERGE_AWAY: _merge_away,
    Command.MERGE_IN: _merge_in,
}
