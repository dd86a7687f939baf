"""In-memory fakes for the problem service's ports; changes land only on commit, like Postgres."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from tocsin_problem.domain.observed import ObservedIncident


class FakeObservedIncidents:
    def __init__(self, rows: dict[UUID, ObservedIncident], *, fail_with: Exception | None) -> None:
        self.rows = rows
        self._fail_with = fail_with

    async def get(self, incident_id: UUID) -> ObservedIncident | None:
        return self.rows.get(incident_id)

    async def put(self, incident: ObservedIncident) -> None:
        if self._fail_with is not None:
            raise self._fail_with
        self.rows[incident.incident_id] = incident


class FakeProblemStore:
    """What the problem schema holds: the projection and the inbox."""

    def __init__(self) -> None:
        self.rows: dict[UUID, ObservedIncident] = {}
        self.inbox: set[tuple[str, str, str]] = set()
        self.fail_on_put: Exception | None = None

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


class FakeUnitOfWork:
    def __init__(self, store: FakeProblemStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self._inbox = set(self._store.inbox)
        self.observed = FakeObservedIncidents(
            dict(self._store.rows), fail_with=self._store.fail_on_put
        )
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
        self._store.rows = self.observed.rows
