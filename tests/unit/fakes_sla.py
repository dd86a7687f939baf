"""In-memory fakes for the SLA monitor's ports; changes land only on commit, like Postgres."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from copy import copy
from typing import Self
from uuid import UUID

from tocsin_sla_monitor.domain.clocks import ClockState, SlaClock, Target


class FakeClockRepository:
    def __init__(self, clocks: dict[UUID, SlaClock]) -> None:
        self.clocks = clocks

    async def add(self, clocks: Sequence[SlaClock]) -> None:
        for clock in clocks:
            if any(
                (c.incident_id, c.policy) == (clock.incident_id, clock.policy)
                for c in self.clocks.values()
            ):
                raise ValueError(f"duplicate clock for {clock.incident_id}/{clock.policy}")
            self.clocks[clock.id] = copy(clock)

    async def running(self, incident_id: UUID, *, targets: Collection[Target]) -> list[SlaClock]:
        return [
            copy(c)
            for c in self.clocks.values()
            if (c.incident_id, c.state) == (incident_id, ClockState.RUNNING) and c.target in targets
        ]

    async def save(self, clocks: Sequence[SlaClock]) -> None:
        for clock in clocks:
            self.clocks[clock.id] = copy(clock)


class FakeSlaStore:
    """What the sla schema holds: the clocks and the inbox."""

    def __init__(self) -> None:
        self.clocks: dict[UUID, SlaClock] = {}
        self.inbox: set[tuple[str, str, str]] = set()

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def for_incident(self, incident_id: UUID) -> dict[str, SlaClock]:
        return {c.policy: c for c in self.clocks.values() if c.incident_id == incident_id}


class FakeUnitOfWork:
    def __init__(self, store: FakeSlaStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self._inbox = set(self._store.inbox)
        self.clocks = FakeClockRepository({k: copy(v) for k, v in self._store.clocks.items()})
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        claim = (consumer, source, event_id)
        if claim in self._inbox:
            return False
        self._inbox.add(claim)
        return True

    async def commit(self) -> None:
        self._store.inbox = self._inbox
        self._store.clocks = self.clocks.clocks
