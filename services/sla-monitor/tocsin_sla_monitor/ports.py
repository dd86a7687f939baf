"""Ports the handlers depend on. Postgres implements them in adapters/, tests fake them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, Self
from uuid import UUID

from .domain.clocks import SlaClock, Target


class ClockRepository(Protocol):
    async def add(self, clocks: Sequence[SlaClock]) -> None: ...

    async def running(self, incident_id: UUID, *, targets: Collection[Target]) -> list[SlaClock]:
        """The incident's running clocks of those targets, locked until the unit of work ends."""

    async def save(self, clocks: Sequence[SlaClock]) -> None: ...


class UnitOfWork(Protocol):
    @property
    def clocks(self) -> ClockRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        """Inbox claim, inside this unit of work."""

    async def commit(self) -> None: ...
