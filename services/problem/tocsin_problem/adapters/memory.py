"""In-memory implementations of every port: for unit tests and for backtests, which replay
history through the handlers without touching the database.

Writes go straight to the state and leave an undo entry; a unit of work that ends without a commit
undoes them, so changes land only on commit at O(1) cost per write, whatever the state's size.
"""

from __future__ import annotations

from typing import Self

from tocsin_shared.contracts.events import ProblemEventData

from tocsin_problem.ports import HistoryEntry

from .memory_correlation import MemoryCorrelation, MemoryEventLog
from .memory_repos import (
    Journal,
    MemoryHistory,
    MemoryKnownErrors,
    MemoryLinks,
    MemoryObservedIncidents,
    MemoryProblems,
    MemoryState,
    MemorySuggestions,
    MemoryTasks,
)

__all__ = ["MemoryState", "MemoryStore", "MemoryUnitOfWork"]


class MemoryStore:
    """What the problem schema holds, in memory; `uow` is a unit-of-work factory over it."""

    def __init__(self) -> None:
        self.state = MemoryState()

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    @property
    def events(self) -> list[ProblemEventData]:
        """Every event committed, in order (what the outbox would hold)."""
        return self.state.events


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self._journal = j = Journal()
        s = self._store.state
        self.observed = MemoryObservedIncidents(s, j)
        self.problems = MemoryProblems(s, j)
        self.links = MemoryLinks(s, j)
        self.suggestions = MemorySuggestions(s, j)
        self.tasks = MemoryTasks(s, j)
        self.known_errors = MemoryKnownErrors(s, j)
        self.history = MemoryHistory(s, j)
        self.correlation = MemoryCorrelation(s, j)
        self.event_log = MemoryEventLog(s, j)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._journal.rollback()

    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        claim = (consumer, source, event_id)
        if claim in self._store.state.inbox:
            return False
        self._journal.put(self._store.state.inbox, claim, True)
        return True

    async def record(self, event: ProblemEventData) -> None:
        state = self._store.state
        self._journal.append(state.events, event)
        entry = HistoryEntry(
            seq=len(state.history) + 1,
            problem_id=event.problem_id,
            occurred_at=event.occurred_at,
            actor=event.actor,
            type=event.ce_type(),
            detail=event.model_dump(mode="json", exclude={"problem_id", "occurred_at", "actor"}),
        )
        self._journal.append(state.history, entry)

    async def commit(self) -> None:
        self._journal.undo.clear()
