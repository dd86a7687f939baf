"""Ports of the notifier: repositories, unit of work, channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Self
from uuid import UUID

from tocsin_shared.contracts.events import EventData

from .domain.ledger import Notification


@dataclass
class Escalation:
    incident_id: UUID
    service: str
    policy: str | None
    level: int
    cycle: int
    status: str
    stopped_by: str | None = None


class EscalationRepository(Protocol):
    async def get(self, incident_id: UUID) -> Escalation | None: ...
    async def put(self, escalation: Escalation) -> None: ...


class NotificationRepository(Protocol):
    async def add(self, notification: Notification) -> bool:
        """False when a notification with the same idempotency key already exists."""

    async def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int
    ) -> list[Notification]:
        """Lock and claim due rows (and rows whose lease ran out); SKIP LOCKED."""

    async def get(
        self, notification_id: UUID, *, for_update: bool = False
    ) -> Notification | None: ...
    async def save(self, notification: Notification) -> None: ...
    async def pending_for_incident(self, incident_id: UUID) -> list[Notification]: ...


class UnitOfWork(Protocol):
    @property
    def escalations(self) -> EscalationRepository: ...
    @property
    def notifications(self) -> NotificationRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool: ...
    def emit(self, event: EventData) -> None: ...
    async def commit(self) -> None: ...


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    retryable: bool = True


class Channel(Protocol):
    async def send(self, notification: Notification) -> DeliveryResult: ...
