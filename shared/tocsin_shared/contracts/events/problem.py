"""Problem management events, on the problem events topic keyed by problem id.

Every change to a problem, its tasks, its links and its known errors is one event naming its
actor. The incident service and the notifier read three of them: `incident_linked` (a timeline
entry), `known_error_matched` (the workaround reaches the timeline and the page) and `resolved`
(a fix applied resolves the incidents that were waiting on it).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from ..topics import PROBLEM_EVENTS, TopicSpec
from ._base import Actor, EventData


class ProblemState(StrEnum):
    NEW = "new"
    ASSESS = "assess"
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis"
    FIX_IN_PROGRESS = "fix_in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ResolutionCode(StrEnum):
    FIX_APPLIED = "fix_applied"
    RISK_ACCEPTED = "risk_accepted"
    DUPLICATE = "duplicate"
    CANCELLED = "cancelled"


class ProblemOrigin(StrEnum):
    RULE = "rule"
    MANUAL = "manual"
    TREND = "trend"


class LinkOrigin(StrEnum):
    """Why an incident is linked: a recurrence rule, summary similarity, a published known
    error's signature, a person, or an accepted suggestion."""

    RULE = "rule"
    SIMILARITY = "similarity"
    KNOWN_ERROR = "known_error"
    MANUAL = "manual"
    SUGGESTION = "suggestion"


class LinkReason(BaseModel):
    """Every link says why: the rule or key or score, and the incidents that matched."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    origin: LinkOrigin
    rule: str | None = None
    recurrence_key: str | None = None
    template: str | None = None
    score: float | None = None
    matched_incident_ids: tuple[UUID, ...] = ()
    known_error_id: UUID | None = None
    note: str | None = None


class ProblemEventData(EventData):
    TOPIC: ClassVar[TopicSpec] = PROBLEM_EVENTS

    problem_id: UUID
    occurred_at: datetime
    actor: Actor

    def partition_key(self) -> str:
        return str(self.problem_id)

    def subject(self) -> str | None:
        return f"problem/{self.problem_id}"


class ProblemCreatedV1(ProblemEventData):
    TYPE: ClassVar[str] = "tocsin.problem.created"

    number: int
    statement: str
    service: str | None = None
    origin: ProblemOrigin
    recurrence_key: str | None = None
    priority: str | None = None
    reason: LinkReason | None = None


class ProblemUpdatedV1(ProblemEventData):
    """Fields a person changed: each name maps to its new value."""

    TYPE: ClassVar[str] = "tocsin.problem.updated"

    changes: dict[str, Any]


class ProblemStateChangedV1(ProblemEventData):
    TYPE: ClassVar[str] = "tocsin.problem.state_changed"

    action: str
    previous_state: ProblemState
    state: ProblemState
    resolution: ResolutionCode | None = None
    duplicate_of: UUID | None = None


class ProblemResolvedV1(ProblemEventData):
    """Emitted beside `state_changed` on resolution. `waiting_incident_ids` are the linked
    incidents still open: with `fix_applied` the incident service resolves them."""

    TYPE: ClassVar[str] = "tocsin.problem.resolved"

    number: int
    statement: str
    resolution: ResolutionCode
    fix_notes: str | None = None
    duplicate_of: UUID | None = None
    waiting_incident_ids: tuple[UUID, ...] = ()


class ProblemIncidentLinkedV1(ProblemEventData):
    TYPE: ClassVar[str] = "tocsin.problem.incident_linked"

    incident_id: UUID
    number: int
    statement: str
    reason: LinkReason


class ProblemIncidentUnlinkedV1(ProblemEventData):
    TYPE: ClassVar[str] = "tocsin.problem.incident_unlinked"

    incident_id: UUID
    moved_to: UUID | None = None


class ProblemLinkSuggestedV1(ProblemEventData):
    TYPE: ClassVar[str] = "tocsin.problem.link_suggested"

    suggestion_id: UUID
    incident_id: UUID
    reason: LinkReason


class ProblemSuggestionDecidedV1(ProblemEventData):
    TYPE: ClassVar[str] = "tocsin.problem.suggestion_decided"

    suggestion_id: UUID
    incident_id: UUID
    accepted: bool


class ProblemTaskChangedV1(ProblemEventData):
    """A task created or moved; `state` is where it is now."""

    TYPE: ClassVar[str] = "tocsin.problem.task_changed"

    task_id: UUID
    kind: str
    title: str
    state: str
    previous_state: str | None = None
    # Fields a person edited (title, description, assignee), each to its new value.
    changes: dict[str, Any] = {}


class KnownErrorChangedV1(ProblemEventData):
    """A known error created, edited, published or retired; `state` is where it is now."""

    TYPE: ClassVar[str] = "tocsin.problem.known_error_changed"

    known_error_id: UUID
    title: str
    state: str
    previous_state: str | None = None
    changes: dict[str, Any] = {}


class KnownErrorMatchedV1(ProblemEventData):
    """A new incident matched a published known error: its workaround goes to the page and the
    incident timeline."""

    TYPE: ClassVar[str] = "tocsin.problem.known_error_matched"

    known_error_id: UUID
    incident_id: UUID
    title: str
    workaround: str
    root_cause: str | None = None
    number: int
    statement: str = ""
