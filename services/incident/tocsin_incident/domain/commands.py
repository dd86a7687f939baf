"""The lifecycle transition table: which command is legal in which status, and where it leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from tocsin_shared.contracts.events import IncidentStatus, Priority, Severity

if TYPE_CHECKING:
    from .model import Incident


class Command(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    UNACKNOWLEDGE = "unacknowledge"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    SNOOZE = "snooze"
    RETRIGGER = "retrigger"
    ASSIGN = "assign"
    NOTE = "note"
    PRIORITY = "priority"
    SEVERITY = "severity"
    MERGE_AWAY = "merge_away"
    MERGE_IN = "merge_in"


class IllegalTransition(Exception):
    def __init__(self, status: IncidentStatus, command: Command) -> None:
        super().__init__(f"cannot {command.value} an incident that is {status.value}")
        self.status = status
        self.command = command


class InvalidChange(Exception):
    """The command is legal in this status but its arguments are not (API: 422)."""


class Conflict(Exception):
    """The command clashes with another incident (API: 409)."""


T, A, R = IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.RESOLVED

TRANSITIONS: dict[tuple[IncidentStatus, Command], IncidentStatus] = {
    (T, Command.ACKNOWLEDGE): A,
    (A, Command.UNACKNOWLEDGE): T,
    (T, Command.RESOLVE): R,
    (A, Command.RESOLVE): R,
    (R, Command.REOPEN): T,
    # Like PagerDuty: only an acknowledged incident can be snoozed (ADR 0006).
    (A, Command.SNOOZE): A,
    (A, Command.RETRIGGER): T,
    (T, Command.MERGE_AWAY): R,
    (A, Command.MERGE_AWAY): R,
    (T, Command.MERGE_IN): T,
    (A, Command.MERGE_IN): A,
    (T, Command.ASSIGN): T,
    (A, Command.ASSIGN): A,
    # Notes and classification may still change after resolution, for the review.
    **{(s, Command.NOTE): s for s in IncidentStatus},
    **{(s, Command.PRIORITY): s for s in IncidentStatus},
    **{(s, Command.SEVERITY): s for s in IncidentStatus},
}


@dataclass(frozen=True)
class Args:
    """What a command carries besides its actor and time; each command reads its own."""

    until: datetime | None = None
    assignee: str | None = None
    text: str | None = None
    priority: Priority | None = None
    severity: Severity | None = None
    peer: Incident | None = None
    reason: str | None = None


NO_ARGS = Args()
NOTE_MAX_CHARS = 10_000
