"""Ports the handlers depend on. Postgres implements them in adapters/, adapters/memory.py fakes
them (for unit tests and for backtests, which must change no state)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self
from uuid import UUID

from tocsin_shared.config.models import CorrelationRule, CorrelationSettings
from tocsin_shared.contracts.events import (
    Actor,
    IncidentEventData,
    ProblemEventData,
    ProblemOrigin,
    ProblemState,
)

from .domain.correlation.model import Candidates, IncidentFacts, KnownErrorSignature
from .domain.known_errors import KnownError, KnownErrorState
from .domain.links import Link, Suggestion, SuggestionStatus
from .domain.observed import ObservedIncident
from .domain.problem import Problem
from .domain.tasks import ProblemTask


@dataclass(frozen=True)
class ProblemQuery:
    states: tuple[ProblemState, ...] = ()
    service: str | None = None
    assignee: str | None = None
    origin: ProblemOrigin | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    problem_id: UUID
    occurred_at: datetime
    actor: Actor
    type: str
    detail: dict[str, Any]


class ObservedIncidents(Protocol):
    async def get(self, incident_id: UUID) -> ObservedIncident | None:
        """The incident as known, locked until the unit of work ends."""

    async def put(self, incident: ObservedIncident) -> None: ...


class Problems(Protocol):
    async def next_number(self) -> int: ...
    async def get(self, problem_id: UUID) -> Problem | None:
        """The problem, locked until the unit of work ends."""

    async def find_number(self, number: int) -> UUID | None: ...
    async def add(self, problem: Problem) -> None: ...
    async def save(self, problem: Problem) -> None: ...
    async def open_by_key(self, recurrence_key: str) -> Problem | None:
        """The open problem with this recurrence key (at most one), locked."""

    async def search(self, query: ProblemQuery) -> tuple[list[Problem], int]:
        """A page of problems, newest number first, and how many match in all."""


class Links(Protocol):
    async def of_incident(self, incident_id: UUID) -> Link | None: ...
    async def of_problem(self, problem_id: UUID) -> list[Link]: ...
    async def link(self, link: Link, *, service: str | None, template: str | None) -> bool:
        """Link (and remember the problem's (service, template)); False if the incident is
        already linked, to whichever problem."""

    async def unlink(self, incident_id: UUID) -> Link | None: ...
    async def move(self, source: UUID, target: UUID, *, note: str) -> list[Link]:
        """Move every link of `source` to `target` (with its templates); the moved links."""

    async def waiting(self, problem_id: UUID) -> tuple[UUID, ...]:
        """Linked incidents not known to be resolved."""


class Suggestions(Protocol):
    async def add(self, suggestion: Suggestion) -> bool:
        """False if this (problem, incident) pair was suggested before."""

    async def get(self, suggestion_id: UUID) -> Suggestion | None:
        """The suggestion, locked."""

    async def save(self, suggestion: Suggestion) -> None: ...
    async def pending(self, problem_id: UUID | None = None) -> list[Suggestion]: ...
    async def listed(self, *, status: SuggestionStatus | None, limit: int) -> list[Suggestion]: ...
    async def is_rejected(self, problem_id: UUID, template: str) -> bool: ...


class Tasks(Protocol):
    async def get(self, task_id: UUID) -> ProblemTask | None:
        """The task, locked."""

    async def add(self, task: ProblemTask) -> None: ...
    async def save(self, task: ProblemTask) -> None: ...
    async def of_problem(self, problem_id: UUID) -> list[ProblemTask]: ...


class KnownErrors(Protocol):
    async def get(self, known_error_id: UUID) -> KnownError | None:
        """The known error, locked."""

    async def add(self, known_error: KnownError) -> None: ...
    async def save(self, known_error: KnownError) -> None: ...
    async def published(self) -> list[KnownError]: ...
    async def of_problem(self, problem_id: UUID) -> list[KnownError]: ...
    async def listed(
        self, *, state: KnownErrorState | None, problem_id: UUID | None, limit: int
    ) -> list[KnownError]: ...


class History(Protocol):
    async def of_problem(self, problem_id: UUID) -> list[HistoryEntry]: ...


class Correlation(Protocol):
    """Candidates for one incident by the definitions in domain/correlation/memory.py."""

    async def lock_keys(self, keys: Sequence[str]) -> None:
        """Hold these keys until the unit of work ends (one decision per key at a time)."""

    async def candidates(
        self,
        facts: IncidentFacts,
        *,
        rules: Sequence[CorrelationRule],
        settings: CorrelationSettings,
        scope: Sequence[str],
        known_errors: Sequence[KnownErrorSignature],
    ) -> Candidates: ...
    async def remember(self, facts: IncidentFacts, *, rules: Sequence[CorrelationRule]) -> None:
        """Record the incident's recurrence keys, after its decision."""


class EventLog(Protocol):
    async def append(self, *, source: str, event_id: str, event: IncidentEventData) -> None: ...


class UnitOfWork(Protocol):
    @property
    def observed(self) -> ObservedIncidents: ...
    @property
    def problems(self) -> Problems: ...
    @property
    def links(self) -> Links: ...
    @property
    def suggestions(self) -> Suggestions: ...
    @property
    def tasks(self) -> Tasks: ...
    @property
    def known_errors(self) -> KnownErrors: ...
    @property
    def history(self) -> History: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        """Inbox claim, inside this unit of work."""

    async def record(self, event: ProblemEventData) -> None:
        """Emit to the outbox and append to the problem's history, in this unit of work."""

    async def commit(self) -> None: ...


class CorrelatingUnitOfWork(UnitOfWork, Protocol):
    """What the incident-event handler needs beyond problem management."""

    @property
    def correlation(self) -> Correlation: ...
    @property
    def event_log(self) -> EventLog: ...
