"""Ports of the notifier: repositories, unit of work, channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self
from uuid import UUID

from tocsin_shared.contracts.events import EventData

from .domain.escalation import Escalation
from .domain.ledger import Notification
from .domain.workarounds import KnownWorkaround, SentPage


class EscalationRepository(Protocol):
    async def get(self, incident_id: UUID, *, lock: bool = True) -> Escalation | None:
        """`lock`: FOR UPDATE (the default)."""

    async def put(self, escalation: Escalation) -> None: ...


class EscalationTimers(Protocol):
    """Durable timers for escalation steps, in the unit of work's transaction."""

    async def schedule(
        self, subject: str, *, due_at: datetime, payload: dict[str, Any]
    ) -> None: ...
    async def cancel(self, subject: str) -> None: ...


class RoundRobin(Protocol):
    async def turn(self, *, policy: str, level: int) -> int:
        """This page's turn at a round-robin level (0, 1, 2, … across incidents)."""


class ContactSends(Protocol):
    async def recent(
        self, contacts: list[str], *, since: datetime
    ) -> dict[str, list[datetime]]: ...
    async def record(self, contact: str, *, at: datetime) -> None: ...


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


class KnownWorkarounds(Protocol):
    """Known workarounds by incident, and the ledger's pages that went out without one."""

    async def get(self, incident_id: UUID) -> KnownWorkaround | None: ...
    async def put(self, known: KnownWorkaround) -> None: ...
    async def patch_pending(self, incident_id: UUID, workaround: str) -> int:
        """Give the incident's unsent pages the workaround; how many there were."""

    async def sent_in_cycle(self, incident_id: UUID, *, cycle: int) -> list[SentPage]:
        """Pages of this escalation cycle that were sent or are being sent."""


class UnitOfWork(Protocol):
    @property
    def escalations(self) -> EscalationRepository: ...
    @property
    def notifications(self) -> NotificationRepository: ...
    @property
    def timers(self) -> EscalationTimers: ...
    @property
    def round_robin(self) -> RoundRobin: ...
    @property
    def contact_sends(self) -> ContactSends: ...
    @property
    def workarounds(self) -> KnownWorkarounds: ...

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
