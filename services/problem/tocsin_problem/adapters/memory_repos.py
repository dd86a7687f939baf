"""In-memory repositories over one MemoryState; every write leaves an undo entry in the journal."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from tocsin_shared.contracts.events import IncidentEventData, IncidentStatus, ProblemEventData

from tocsin_problem.domain.known_errors import KnownError, KnownErrorState
from tocsin_problem.domain.links import Link, Suggestion, SuggestionStatus
from tocsin_problem.domain.observed import ObservedIncident
from tocsin_problem.domain.problem import Problem
from tocsin_problem.domain.tasks import ProblemTask
from tocsin_problem.ports import HistoryEntry, ProblemQuery

_MISSING = object()


class Journal:
    def __init__(self) -> None:
        self.undo: list[Callable[[], None]] = []

    def put(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        old = table.get(key, _MISSING)
        self.undo.append(lambda: _restore(table, key, old))
        table[key] = value

    def pop(self, table: dict[Any, Any], key: Any) -> Any:
        old = table.get(key, _MISSING)
        self.undo.append(lambda: _restore(table, key, old))
        return table.pop(key, None)

    def append(self, items: list[Any], value: Any) -> None:
        self.undo.append(items.pop)
        items.append(value)

    def rollback(self) -> None:
        while self.undo:
            self.undo.pop()()


def _restore(table: dict[Any, Any], key: Any, old: Any) -> None:
    if old is _MISSING:
        table.pop(key, None)
    else:
        table[key] = old


@dataclass
class MemoryState:
    observed: dict[UUID, ObservedIncident] = field(default_factory=dict)
    inbox: dict[tuple[str, str, str], bool] = field(default_factory=dict)
    problems: dict[UUID, Problem] = field(default_factory=dict)
    links: dict[UUID, Link] = field(default_factory=dict)
    # (problem_id, service, template) → last seen
    templates: dict[tuple[UUID, str, str], datetime] = field(default_factory=dict)
    suggestions: dict[UUID, Suggestion] = field(default_factory=dict)
    tasks: dict[UUID, ProblemTask] = field(default_factory=dict)
    known_errors: dict[UUID, KnownError] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    events: list[ProblemEventData] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    # (rule, key) → [(triggered_at, incident)]: correlation's recurrence keys.
    recurrence_keys: dict[tuple[str, str], list[tuple[datetime, UUID]]] = field(
        default_factory=dict
    )
    # (source, event id, event): the incident events as received.
    event_log: list[tuple[str, str, IncidentEventData]] = field(default_factory=list)


class MemoryObservedIncidents:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def get(self, incident_id: UUID) -> ObservedIncident | None:
        return self._s.observed.get(incident_id)

    async def put(self, incident: ObservedIncident) -> None:
        self._j.put(self._s.observed, incident.incident_id, incident)


class MemoryProblems:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def next_number(self) -> int:
        number = self._s.counters.get("problem_numbers", 0) + 1
        self._j.put(self._s.counters, "problem_numbers", number)
        return number

    async def get(self, problem_id: UUID) -> Problem | None:
        return copy.deepcopy(self._s.problems.get(problem_id))

    async def find_number(self, number: int) -> UUID | None:
        return next((p.id for p in self._s.problems.values() if p.number == number), None)

    async def add(self, problem: Problem) -> None:
        if problem.id in self._s.problems:
            raise ValueError(f"problem {problem.id} exists")
        await self.save(problem)

    async def save(self, problem: Problem) -> None:
        self._j.put(self._s.problems, problem.id, replace(copy.deepcopy(problem), events=[]))

    async def open_by_key(self, recurrence_key: str) -> Problem | None:
        found = (
            p for p in self._s.problems.values() if p.recurrence_key == recurrence_key and p.is_open
        )
        return copy.deepcopy(next(found, None))

    async def search(self, query: ProblemQuery) -> tuple[list[Problem], int]:
        found = [
            p
            for p in sorted(self._s.problems.values(), key=lambda p: -p.number)
            if (not query.states or p.state in query.states)
            and query.service in (None, p.service)
            and query.assignee in (None, p.assignee)
            and query.origin in (None, p.origin)
        ]
        page = found[query.offset : query.offset + query.limit]
        return copy.deepcopy(page), len(found)


class MemoryLinks:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def of_incident(self, incident_id: UUID) -> Link | None:
        return self._s.links.get(incident_id)

    async def of_problem(self, problem_id: UUID) -> list[Link]:
        found = (link for link in self._s.links.values() if link.problem_id == problem_id)
        return sorted(found, key=lambda link: link.linked_at)

    async def link(self, link: Link, *, service: str | None, template: str | None) -> bool:
        if link.incident_id in self._s.links:
            return False
        self._j.put(self._s.links, link.incident_id, link)
        if service is not None and template is not None:
            self._seen((link.problem_id, service, template), link.linked_at)
        return True

    async def unlink(self, incident_id: UUID) -> Link | None:
        link: Link | None = self._j.pop(self._s.links, incident_id)
        return link

    async def move(self, source: UUID, target: UUID, *, note: str) -> list[Link]:
        moved = []
        for link in await self.of_problem(source):
            reason = link.reason.model_copy(update={"note": note})
            moved.append(replace(link, problem_id=target, reason=reason))
            self._j.put(self._s.links, link.incident_id, moved[-1])
        for (problem_id, service, template), seen in list(self._s.templates.items()):
            if problem_id == source:
                self._seen((target, service, template), seen)
        return moved

    def _seen(self, key: tuple[UUID, str, str], at: datetime) -> None:
        self._j.put(self._s.templates, key, max(self._s.templates.get(key, at), at))

    async def waiting(self, problem_id: UUID) -> tuple[UUID, ...]:
        def resolved(incident_id: UUID) -> bool:
            seen = self._s.observed.get(incident_id)
            return seen is not None and seen.status is IncidentStatus.RESOLVED

        links = await self.of_problem(problem_id)
        return tuple(link.incident_id for link in links if not resolved(link.incident_id))


class MemorySuggestions:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def add(self, suggestion: Suggestion) -> bool:
        pair = (suggestion.problem_id, suggestion.incident_id)
        if any((s.problem_id, s.incident_id) == pair for s in self._s.suggestions.values()):
            return False
        await self.save(suggestion)
        return True

    async def get(self, suggestion_id: UUID) -> Suggestion | None:
        return copy.deepcopy(self._s.suggestions.get(suggestion_id))

    async def save(self, suggestion: Suggestion) -> None:
        self._j.put(
            self._s.suggestions, suggestion.id, replace(copy.deepcopy(suggestion), events=[])
        )

    async def pending(self, problem_id: UUID | None = None) -> list[Suggestion]:
        listed = await self.listed(status=SuggestionStatus.PENDING, limit=len(self._s.suggestions))
        found = [s for s in reversed(listed) if problem_id in (None, s.problem_id)]
        return found

    async def listed(self, *, status: SuggestionStatus | None, limit: int) -> list[Suggestion]:
        found = [s for s in self._s.suggestions.values() if status in (None, s.status)]
        found.sort(key=lambda s: s.created_at, reverse=True)
        return copy.deepcopy(found[:limit])

    async def is_rejected(self, problem_id: UUID, template: str) -> bool:
        return any(
            s.problem_id == problem_id
            and s.template == template
            and s.status is SuggestionStatus.REJECTED
            for s in self._s.suggestions.values()
        )


class MemoryTasks:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def get(self, task_id: UUID) -> ProblemTask | None:
        return copy.deepcopy(self._s.tasks.get(task_id))

    async def add(self, task: ProblemTask) -> None:
        await self.save(task)

    async def save(self, task: ProblemTask) -> None:
        self._j.put(self._s.tasks, task.id, replace(copy.deepcopy(task), events=[]))

    async def of_problem(self, problem_id: UUID) -> list[ProblemTask]:
        found = [t for t in self._s.tasks.values() if t.problem_id == problem_id]
        return copy.deepcopy(sorted(found, key=lambda t: t.created_at))


class MemoryKnownErrors:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def get(self, known_error_id: UUID) -> KnownError | None:
        return copy.deepcopy(self._s.known_errors.get(known_error_id))

    async def add(self, known_error: KnownError) -> None:
        await self.save(known_error)

    async def save(self, known_error: KnownError) -> None:
        fresh = replace(copy.deepcopy(known_error), events=[])
        self._j.put(self._s.known_errors, known_error.id, fresh)

    async def published(self) -> list[KnownError]:
        found = [k for k in self._s.known_errors.values() if k.state is KnownErrorState.PUBLISHED]
        return copy.deepcopy(sorted(found, key=lambda k: k.created_at))

    async def of_problem(self, problem_id: UUID) -> list[KnownError]:
        return await self.listed(state=None, problem_id=problem_id, limit=1000)

    async def listed(
        self, *, state: KnownErrorState | None, problem_id: UUID | None, limit: int
    ) -> list[KnownError]:
        found = [
            k
            for k in self._s.known_errors.values()
            if state in (None, k.state) and problem_id in (None, k.problem_id)
        ]
        found.sort(key=lambda k: k.created_at, reverse=True)
        return copy.deepcopy(found[:limit])


class MemoryHistory:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def of_problem(self, problem_id: UUID) -> list[HistoryEntry]:
        return [h for h in self._s.history if h.problem_id == problem_id]
