"""Incident links and link suggestions.

An incident belongs to at most one problem, and its link says why (LinkReason). Below the
auto-link threshold correlation proposes a suggestion that a person accepts (it becomes a link) or
rejects (remembered by template, so it is not proposed again); a suggestion whose problem was
resolved as a duplicate becomes obsolete. pending → accepted | rejected | obsolete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from tocsin_shared.contracts.events import (
    Actor,
    EventData,
    LinkOrigin,
    LinkReason,
    ProblemLinkSuggestedV1,
    ProblemSuggestionDecidedV1,
)

from .changes import next_state


@dataclass(frozen=True)
class Link:
    incident_id: UUID
    problem_id: UUID
    reason: LinkReason
    actor: Actor
    linked_at: datetime
    confidence: float | None = None

    @property
    def origin(self) -> LinkOrigin:
        return self.reason.origin


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OBSOLETE = "obsolete"


class Decision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    OBSOLETE = "obsolete"


SUGGESTION_TRANSITIONS: dict[tuple[SuggestionStatus, Decision], SuggestionStatus] = {
    (SuggestionStatus.PENDING, Decision.ACCEPT): SuggestionStatus.ACCEPTED,
    (SuggestionStatus.PENDING, Decision.REJECT): SuggestionStatus.REJECTED,
    (SuggestionStatus.PENDING, Decision.OBSOLETE): SuggestionStatus.OBSOLETE,
}


@dataclass
class Suggestion:
    id: UUID
    problem_id: UUID
    incident_id: UUID
    template: str
    score: float
    reason: LinkReason
    status: SuggestionStatus
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: Actor | None = None
    events: list[EventData] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def propose(
        cls,
        *,
        suggestion_id: UUID,
        problem_id: UUID,
        incident_id: UUID,
        template: str,
        score: float,
        reason: LinkReason,
        actor: Actor,
        now: datetime,
    ) -> Suggestion:
        suggestion = cls(
            id=suggestion_id,
            problem_id=problem_id,
            incident_id=incident_id,
            template=template,
            score=score,
            reason=reason,
            status=SuggestionStatus.PENDING,
            created_at=now,
        )
        suggestion.events.append(
            ProblemLinkSuggestedV1(
                problem_id=problem_id,
                occurred_at=now,
                actor=actor,
                suggestion_id=suggestion_id,
                incident_id=incident_id,
                reason=reason,
            )
        )
        return suggestion

    def decide(self, decision: Decision, *, actor: Actor, now: datetime) -> None:
        """Accept or reject (an event each); obsolete is bookkeeping of the duplicate's
        resolution, which is the event."""
        target = next_state(SUGGESTION_TRANSITIONS, self.status, decision, what="a suggestion")
        self.status = target
        self.decided_at, self.decided_by = now, actor
        if decision is Decision.OBSOLETE:
            return
        self.events.append(
            ProblemSuggestionDecidedV1(
                problem_id=self.problem_id,
                occurred_at=now,
                actor=actor,
                suggestion_id=self.id,
                incident_id=self.incident_id,
                accepted=decision is Decision.ACCEPT,
            )
        )

    def as_link(self, *, actor: Actor, now: datetime) -> Link:
        """The link an accepted suggestion becomes: the suggestion's evidence, origin suggestion."""
        reason = self.reason.model_copy(update={"origin": LinkOrigin.SUGGESTION})
        return Link(
            incident_id=self.incident_id,
            problem_id=self.problem_id,
            reason=reason,
            actor=actor,
            linked_at=now,
            confidence=self.score,
        )
