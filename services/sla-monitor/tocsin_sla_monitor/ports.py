"""Ports the handlers depend on. Postgres implements them in adapters/, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, Self
from uuid import UUID

from tocsin_shared.contracts.events import EventData

from .domain.clocks import SlaClock

THRESHOLD_TIMER = "sla.threshold"


def timer_subject(clock_id: UUID, percent: float, generation: int) -> str:
    """A clock's live timer is always for its next threshold and its current generation."""
    return f"{clock_id}/{percent:g}/{generation}"


def parse_subject(subject: str) -> tuple[UUID, float, int]:
    clock, percent, generation = subject.split("/")
    return UUID(clock), float(percent), int(generation)


class ClockRepository(Protocol):
    async def add(self, clocks: Sequence[SlaClock]) -> None: ...

    async def for_incident(self, incident_id: UUID) -> list[SlaClock]:
        """All the incident's clocks, every cycle, locked until the unit of work ends."""

    async def get(self, clock_id: UUID) -> SlaClock | None:
        """One clock, locked until the unit of work ends."""

    async def save(self, clocks: Sequence[SlaClock]) -> None: ...


class TimerPort(Protocol):
    """One durable timer per (clock, threshold), in this unit of work."""

    async def schedule(
        self, clock_id: UUID, *, percent: float, due_at: datetime, generation: int
    ) -> None: ...

    async def cancel(self, clock_id: UUID, *, percent: float, generation: int) -> None: ...


class IncidentTimes(Protocol):
    async def record(
        self, incident_id: UUID, *, name: str, at: datetime, service: str, severity: str
    ) -> None:
        """Note when the incident triggered, was acknowledged or resolved (for MTTA/MTTR)."""


class UnitOfWork(Protocol):
    @property
    def clocks(self) -> ClockRepository: ...

    @property
    def timers(self) -> TimerPort: ...

    @property
    def incident_times(self) -> IncidentTimes: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        """Inbox claim, inside this unit of work."""

    def emit_once(self, event: EventData, *, event_id: str) -> None:
        """Send `event` with this CloudEvent id through the outbox when the unit commits."""

    async def commit(self) -> None: ...
