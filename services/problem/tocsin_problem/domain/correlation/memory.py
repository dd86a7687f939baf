"""An in-memory correlator: feed it incidents in time order; it answers the candidate queries from
its own index (index.py, where the definitions the service's SQL must match are written down),
decides, and applies the decision. The evaluation and the backtest run on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from tocsin_shared.config.models import CorrelationRule, CorrelationSettings, Service
from tocsin_shared.contracts.events import LinkOrigin, LinkReason, ProblemOrigin

from .decide import decide
from .index import CorrelationIndex
from .model import (
    Candidates,
    Decision,
    IncidentFacts,
    KnownErrorSignature,
    LinkTo,
    MatchKnownError,
    NoDecision,
    OpenProblem,
    Suggest,
)

_PROBLEM_IDS = UUID("7c1e3f0a-5b2d-4e61-9a8f-0d4c2b6e9f11")
# A person's answer to a suggestion, asked at once; None leaves suggestions pending.
Reviewer = Callable[[IncidentFacts, Suggest], bool]


@dataclass
class MemoryProblem:
    problem_id: UUID
    origin: ProblemOrigin
    statement: str
    service: str
    reason: LinkReason
    opened_at: datetime | None
    rule: str | None = None
    recurrence_key: str | None = None
    is_open: bool = True
    known_error_ids: set[UUID] = field(default_factory=set)
    # A problem that exists outside this correlator (a known error's), not opened by it.
    existing: bool = False


@dataclass(frozen=True)
class Link:
    incident_id: UUID
    problem_id: UUID
    reason: LinkReason
    confidence: float
    linked_at: datetime


@dataclass
class Suggestion:
    incident_id: UUID
    problem_id: UUID
    template: str
    score: float
    reason: LinkReason
    status: str = "pending"


class MemoryCorrelator:
    def __init__(
        self,
        *,
        rules: Sequence[CorrelationRule],
        settings: CorrelationSettings,
        services: Iterable[Service] = (),
        reviewer: Reviewer | None = None,
    ) -> None:
        self.rules = list(rules)
        self.settings = settings
        self.reviewer = reviewer
        self.index = CorrelationIndex(rules=rules, settings=settings, services=services)
        self.incidents: dict[UUID, IncidentFacts] = {}
        self.problems: dict[UUID, MemoryProblem] = {}
        self.links: dict[UUID, Link] = {}
        self.suggestions: list[Suggestion] = []
        self.known_errors: list[KnownErrorSignature] = []
        self.decisions: dict[UUID, Decision] = {}
        self._apply: dict[type, Callable[[IncidentFacts, Any], None]] = {
            MatchKnownError: self._match,
            LinkTo: self._link_to,
            OpenProblem: self._open,
            Suggest: self._suggest,
            NoDecision: lambda facts, decision: None,
        }

    def candidates(self, facts: IncidentFacts) -> Candidates:
        return self.index.candidates(facts, known_errors=self.known_errors)

    # -- feeding and applying ----------------------------------------------------------------

    def observe(self, facts: IncidentFacts) -> Decision:
        decision = decide(facts, self.candidates(facts), rules=self.rules, settings=self.settings)
        self.record(facts)
        self.apply(facts, decision)
        self.decisions[facts.incident_id] = decision
        return decision

    def record(self, facts: IncidentFacts) -> None:
        """Keep the incident for later candidates (its keys, its trend entry); `observe` does it
        after deciding and before applying."""
        self.incidents[facts.incident_id] = facts
        self.index.record(facts)

    def apply(self, facts: IncidentFacts, decision: Decision) -> None:
        self._apply[type(decision)](facts, decision)

    def _match(self, facts: IncidentFacts, decision: MatchKnownError) -> None:
        self.problems[decision.problem_id].known_error_ids.add(decision.known_error_id)
        self._link(facts, decision.problem_id, reason=decision.reason, confidence=1.0)

    def _link_to(self, facts: IncidentFacts, decision: LinkTo) -> None:
        for member in decision.member_incident_ids:
            if member not in self.links:
                self._link(
                    self.incidents[member],
                    decision.problem_id,
                    reason=decision.reason,
                    confidence=decision.confidence,
                )
        self._link(
            facts, decision.problem_id, reason=decision.reason, confidence=decision.confidence
        )

    def _open(self, facts: IncidentFacts, decision: OpenProblem) -> None:
        pid = uuid5(_PROBLEM_IDS, str(facts.incident_id))
        self.problems[pid] = MemoryProblem(
            problem_id=pid,
            origin=decision.origin,
            statement=decision.statement,
            service=decision.service,
            reason=decision.reason,
            opened_at=facts.triggered_at,
            rule=decision.rule,
            recurrence_key=decision.recurrence_key,
        )
        self.index.opened(pid, decision.recurrence_key)
        for member in decision.member_incident_ids:
            if member not in self.links:
                self._link(self.incidents[member], pid, reason=decision.reason, confidence=1.0)
        self._link(facts, pid, reason=decision.reason, confidence=1.0)

    def _suggest(self, facts: IncidentFacts, decision: Suggest) -> None:
        suggestion = Suggestion(
            facts.incident_id, decision.problem_id, facts.template, decision.score, decision.reason
        )
        self.suggestions.append(suggestion)
        if self.reviewer is not None:
            self.decide_suggestion(suggestion, accepted=self.reviewer(facts, decision))

    def decide_suggestion(self, suggestion: Suggestion, *, accepted: bool) -> None:
        """A person's answer: accepted links (origin suggestion); rejected is remembered for the
        template on that problem."""
        suggestion.status = "accepted" if accepted else "rejected"
        if not accepted:
            self.index.rejected[suggestion.template].add(suggestion.problem_id)
            return
        if suggestion.incident_id not in self.links:
            reason = suggestion.reason.model_copy(update={"origin": LinkOrigin.SUGGESTION})
            facts = self.incidents[suggestion.incident_id]
            self._link(facts, suggestion.problem_id, reason=reason, confidence=suggestion.score)

    def _link(
        self, facts: IncidentFacts, pid: UUID, *, reason: LinkReason, confidence: float
    ) -> None:
        self.links[facts.incident_id] = Link(
            facts.incident_id, pid, reason, confidence, facts.triggered_at
        )
        self.index.linked(facts, pid)

    # -- people's actions on problems --------------------------------------------------------

    def add_known_error(self, signature: KnownErrorSignature) -> None:
        """A published known error; its problem is taken as existing and open if unknown."""
        self.known_errors.append(signature)
        if signature.problem_id not in self.problems:
            self.problems[signature.problem_id] = MemoryProblem(
                problem_id=signature.problem_id,
                origin=ProblemOrigin.MANUAL,
                statement=f"the problem of known error {signature.known_error_id}",
                service=signature.service or "",
                reason=LinkReason(origin=LinkOrigin.MANUAL),
                opened_at=None,
                existing=True,
            )
            self.index.opened(signature.problem_id, None)

    def resolve(self, problem_id: UUID) -> None:
        problem = self.problems[problem_id]
        problem.is_open = False
        self.index.closed(problem_id)

    def clusters(self) -> dict[UUID, UUID]:
        """Incident → its problem, or itself when unlinked."""
        return {i: (self.links[i].problem_id if i in self.links else i) for i in self.incidents}
