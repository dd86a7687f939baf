"""Ports the handlers depend on. Postgres implements them in adapters/, tests fake them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Self
from uuid import UUID

from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import EventData
from tocsin_shared.messaging.producer import OutgoingRecord

from .domain.model import Incident, TimelineEntry
from .domain.problems import ProblemRef


@dataclass(frozen=True)
class IncidentFilter:
    status: str | None = None
    service: str | None = None
    limit: int = 50
    before_seq: int | None = None


class IncidentRepository(Protocol):
    async def open_for_key(self, service: str, dedup_key: str) -> Incident | None: ...
    async def get(self, incident_id: UUID, *, for_update: bool = False) -> Incident | None: ...
    async def add(self, incident: Incident) -> None: ...
    async def save(self, incident: Incident) -> None: ...
    async def record_alert(
        self, alert: RawAlertV1, *, incident_id: UUID | None, outcome: str
    ) -> None: ...


class UnitOfWork(Protocol):
    @property
    def incidents(self) -> IncidentRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        """Inbox claim, inside this unit of work."""

    def emit(self, event: EventData) -> None: ...
    async def commit(self) -> None: ...


class UsedLinks(Protocol):
    async def used_at(self, link_id: str) -> datetime | None: ...
    async def claim(
        self, link_id: str, *, incident_id: UUID, action: str, actor_id: str, at: datetime
    ) -> datetime | None:
        """Mark the link used; None if it was not used before, else when it was."""


class TimelineNotes(Protocol):
    async def add(self, incident_id: UUID, entry: TimelineEntry) -> bool:
        """A timeline entry that changes nothing else; False when the incident is unknown."""


class LinkUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also remembers used action links and takes timeline notes."""

    @property
    def links(self) -> UsedLinks: ...
    @property
    def notes(self) -> TimelineNotes: ...


class IncidentProblems(Protocol):
    """The problem an incident is linked to and its known workaround (no status change)."""

    async def link(self, incident_id: UUID, problem: ProblemRef) -> bool:
        """False when the incident is unknown."""

    async def known_error(self, incident_id: UUID, *, problem: ProblemRef, workaround: str) -> bool:
        """Keep the workaround; link the problem unless it is already linked (its statement
        stays). False when the incident is unknown."""


class ProblemUnitOfWork(LinkUnitOfWork, Protocol):
    """A unit of work that also keeps an incident's problem and workaround."""

    @property
    def problems(self) -> IncidentProblems: ...


class AlertSink(Protocol):
    """Where the edge puts accepted alerts: the raw topic."""

    async def send_all(self, records: list[OutgoingRecord]) -> None: ...
