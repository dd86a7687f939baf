"""Ports the handlers depend on. Postgres implements them in adapters/, tests fake them."""

from __future__ import annotations

from typing import Protocol, Self
from uuid import UUID

from .domain.observed import ObservedIncident


class ObservedIncidents(Protocol):
    async def get(self, incident_id: UUID) -> ObservedIncident | None:
        """The incident as known, locked until the unit of work ends."""

    async def put(self, incident: ObservedIncident) -> None: ...


class UnitOfWork(Protocol):
    @property
    def observed(self) -> ObservedIncidents: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        """Inbox claim, inside this unit of work."""

    async def commit(self) -> None: ...
