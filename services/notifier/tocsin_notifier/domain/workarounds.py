"""A known workaround reaching the people paged for an incident: the pages written from now on
carry it, and whoever was already paged in this cycle gets it once as a follow-up message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from .escalation import State
from .ledger import Notification

FOLLOW_UP = "incident.workaround"
# Still open and nobody has acknowledged: the paged people are the ones working it right now.
FOLLOWED_UP_WHILE: frozenset[State] = frozenset({State.ACTIVE, State.EXHAUSTED})


@dataclass(frozen=True)
class KnownWorkaround:
    incident_id: UUID
    problem_id: UUID
    number: int
    known_error_id: UUID
    title: str
    workaround: str
    matched_at: datetime
    root_cause: str | None = None


@dataclass(frozen=True)
class SentPage:
    """A page of the ledger that went (or is going) out without the workaround."""

    target: str
    channel: str
    level: int
    payload: Mapping[str, Any]


def with_workaround(payload: Mapping[str, Any], workaround: str) -> dict[str, Any]:
    """A page payload (or an escalation's incident facts) carrying the workaround."""
    incident = payload.get("incident")
    if not isinstance(incident, Mapping):
        return dict(payload)
    return {**payload, "incident": {**incident, "workaround": workaround}}


def follow_up_key(*, incident_id: UUID, known_error_id: UUID, target: str, channel: str) -> str:
    return f"{incident_id}:workaround:{known_error_id}:{target}:{channel}"


def follow_up(page: SentPage, known: KnownWorkaround, *, at: datetime) -> Notification:
    """One message to a target already paged: "Known workaround for <summary>: <workaround>"."""
    payload = with_workaround(page.payload, known.workaround)
    incident = payload.get("incident", {})
    summary = incident.get("summary", "") if isinstance(incident, Mapping) else ""
    message: dict[str, object] = {
        "type": FOLLOW_UP,
        "message": f"Known workaround for {summary}: {known.workaround}",
        "incident": incident,
        "known_error": {
            "id": str(known.known_error_id),
            "title": known.title,
            "problem_id": str(known.problem_id),
            "problem_number": known.number,
            "root_cause": known.root_cause,
        },
        "recipient": page.payload.get("recipient"),
    }
    key = follow_up_key(
        incident_id=known.incident_id,
        known_error_id=known.known_error_id,
        target=page.target,
        channel=page.channel,
    )
    return Notification(
        id=uuid4(),
        idempotency_key=key,
        incident_id=known.incident_id,
        channel=page.channel,
        target=page.target,
        level=page.level,
        payload=message,
        next_attempt_at=at,
    )


def follow_ups(
    pages: Iterable[SentPage], known: KnownWorkaround, *, at: datetime
) -> list[Notification]:
    """One follow-up per (target, channel), however many pages it got."""
    seen: set[tuple[str, str]] = set()
    out: list[Notification] = []
    for page in pages:
        if (page.target, page.channel) not in seen:
            seen.add((page.target, page.channel))
            out.append(follow_up(page, known, at=at))
    return out
