"""What the problem service's events mean for an incident: the problem it belongs to, the entries
on its timeline, and why a fixed problem resolves it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tocsin_shared.contracts.events import (
    KnownErrorMatchedV1,
    ProblemIncidentLinkedV1,
    ProblemResolvedV1,
    ResolutionCode,
)

from .model import TimelineEntry

# Only a fix makes the incidents waiting on a problem go away; any other ending leaves them open.
RESOLVING: frozenset[ResolutionCode] = frozenset({ResolutionCode.FIX_APPLIED})


def problem_label(number: int) -> str:
    return f"PRB{number}"


@dataclass(frozen=True)
class ProblemRef:
    """The problem an incident is linked to, as the incident API shows it."""

    id: UUID
    number: int
    statement: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"id": str(self.id), "number": self.number, "statement": self.statement}


def linked_ref(event: ProblemIncidentLinkedV1) -> ProblemRef:
    return ProblemRef(id=event.problem_id, number=event.number, statement=event.statement)


def matched_ref(event: KnownErrorMatchedV1) -> ProblemRef:
    # An empty statement (an older producer): the adapter keeps the one already known.
    return ProblemRef(id=event.problem_id, number=event.number, statement=event.statement or None)


def linked_entry(event: ProblemIncidentLinkedV1) -> TimelineEntry:
    label = problem_label(event.number)
    return TimelineEntry(
        at=event.occurred_at,
        kind="problem.linked",
        actor=event.actor,
        detail={
            "text": f"Linked to problem {label}: {event.statement}",
            "problem_id": str(event.problem_id),
            "number": event.number,
            "statement": event.statement,
            "reason": event.reason.model_dump(mode="json", exclude_none=True),
        },
    )


def known_error_entry(event: KnownErrorMatchedV1) -> TimelineEntry:
    detail: dict[str, object] = {
        "text": f"Known error ({problem_label(event.number)}): {event.title}."
        f" Workaround: {event.workaround}",
        "problem_id": str(event.problem_id),
        "number": event.number,
        "known_error_id": str(event.known_error_id),
        "title": event.title,
        "workaround": event.workaround,
    }
    if event.root_cause:
        detail["root_cause"] = event.root_cause
    return TimelineEntry(
        at=event.occurred_at, kind="problem.known_error_matched", actor=event.actor, detail=detail
    )


def fix_reason(event: ProblemResolvedV1) -> str:
    """The resolution's reason on the timeline: "problem PRB7 fixed — <fix notes>"."""
    fixed = f"problem {problem_label(event.number)} fixed"
    return f"{fixed} — {event.fix_notes}" if event.fix_notes else fixed


def unfixed_entry(event: ProblemResolvedV1) -> TimelineEntry:
    """A problem ended without a fix: its waiting incidents stay open, and say so."""
    label = problem_label(event.number)
    return TimelineEntry(
        at=event.occurred_at,
        kind="problem.resolved",
        actor=event.actor,
        detail={
            "text": f"Problem {label} resolved as {event.resolution.value}; this incident stays"
            " open",
            "problem_id": str(event.problem_id),
            "number": event.number,
            "resolution": event.resolution.value,
        },
    )
