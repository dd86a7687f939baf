"""In-memory implementations of the notifier's ports, for handler unit tests."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self
from uuid import UUID

from tocsin_notifier.domain.escalation import Escalation
from tocsin_notifier.domain.ledger import Notification, Status
from tocsin_notifier.domain.workarounds import KnownWorkaround, SentPage, with_workaround
from tocsin_notifier.handlers import on_incident_event
from tocsin_notifier.pages import PagingContext
from tocsin_notifier.paging import on_step_due
from tocsin_shared.clock import FakeClock
from tocsin_shared.config import parse_config
from tocsin_shared.contracts.envelope import envelope_for
from tocsin_shared.contracts.events import Actor, EventData, IncidentStatus


@dataclass
class FakeTimer:
    subject: str
    due_at: datetime
    payload: dict[str, Any]


@dataclass
class NotifierState:
    escalations: dict[UUID, Escalation] = field(default_factory=dict)
    notifications: dict[str, Notification] = field(default_factory=dict)
    timers: dict[str, FakeTimer] = field(default_factory=dict)
    turns: dict[tuple[str, int], int] = field(default_factory=dict)
    inbox: set[tuple[str, str, str]] = field(default_factory=set)
    sends: list[tuple[str, datetime]] = field(default_factory=list)
    events: list[EventData] = field(default_factory=list)
    workarounds: dict[UUID, KnownWorkaround] = field(default_factory=dict)

    def keys(self, status: Status | None = None) -> list[str]:
        return [k for k, n in self.notifications.items() if status in (None, n.status)]


class _Escalations:
    def __init__(self, state: NotifierState) -> None:
        self._s = state

    async def get(self, incident_id: UUID, *, lock: bool = True) -> Escalation | None:
        found = self._s.escalations.get(incident_id)
        return copy.deepcopy(found) if found else None

    async def put(self, escalation: Escalation) -> None:
        self._s.escalations[escalation.incident_id] = copy.deepcopy(escalation)


class _Notifications:
    def __init__(self, state: NotifierState) -> None:
        self._s = state

    async def add(self, n: Notification) -> bool:
        if n.idempotency_key in self._s.notifications:
            return False
        self._s.notifications[n.idempotency_key] = n
        return True

    async def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int
    ) -> list[Notification]:
        due = [
            n
            for n in self._s.notifications.values()
            if n.status is Status.PENDING and n.next_attempt_at and n.next_attempt_at <= now
        ][:limit]
        for n in due:
            n.claim()
        return due

    async def get(self, notification_id: UUID, *, for_update: bool = False) -> Notification | None:
        return next((n for n in self._s.notifications.values() if n.id == notification_id), None)

    async def save(self, n: Notification) -> None:
        self._s.notifications[n.idempotency_key] = n

    async def pending_for_incident(self, incident_id: UUID) -> list[Notification]:
        return [
            n
            for n in self._s.notifications.values()
            if n.incident_id == incident_id and n.status is Status.PENDING
        ]


class _Timers:
    def __init__(self, state: NotifierState) -> None:
        self._s = state

    async def schedule(self, subject: str, *, due_at: datetime, payload: dict[str, Any]) -> None:
        self._s.timers[subject] = FakeTimer(subject, due_at, payload)

    async def cancel(self, subject: str) -> None:
        self._s.timers.pop(subject, None)


class _RoundRobin:
    def __init__(self, state: NotifierState) -> None:
        self._s = state

    async def turn(self, *, policy: str, level: int) -> int:
        turn = self._s.turns.get((policy, level), 0)
        self._s.turns[(policy, level)] = turn + 1
        return turn


class _ContactSends:
    def __init__(self, state: NotifierState) -> None:
        self._s = state

    async def recent(self, contacts: list[str], *, since: datetime) -> dict[str, list[datetime]]:
        found: dict[str, list[datetime]] = {}
        for contact, at in self._s.sends:
            if contact in contacts and at > since:
                found.setdefault(contact, []).append(at)
        return found

    async def record(self, contact: str, *, at: datetime) -> None:
        self._s.sends.append((contact, at))


class _Workarounds:
    def __init__(self, state: NotifierState) -> None:
        self._s = state

    async def get(self, incident_id: UUID) -> KnownWorkaround | None:
        return self._s.workarounds.get(incident_id)

    async def put(self, known: KnownWorkaround) -> None:
        self._s.workarounds[known.incident_id] = known

    async def patch_pending(self, incident_id: UUID, workaround: str) -> int:
        pending = [
            n
            for n in self._s.notifications.values()
            if n.incident_id == incident_id and n.status is Status.PENDING
        ]
        for n in pending:
            n.payload = with_workaround(n.payload, workaround)
        return len(pending)

    async def sent_in_cycle(self, incident_id: UUID, *, cycle: int) -> list[SentPage]:
        def sent(n: Notification) -> bool:
            escalation = n.payload.get("escalation")
            return (
                n.incident_id == incident_id
                and isinstance(escalation, dict)
                and escalation.get("cycle") == cycle
                and (
                    n.status in (Status.SENDING, Status.DELIVERED)
                    or (n.status is Status.PENDING and n.attempts > 0)
                )
            )

        return [
            SentPage(target=n.target, channel=n.channel, level=n.level, payload=n.payload)
            for n in self._s.notifications.values()
            if sent(n)
        ]


class FakeNotifierUow:
    """Commits are immediate (the fakes write through); good enough for handler logic."""

    def __init__(self, state: NotifierState) -> None:
        self.state = state
        self.escalations = _Escalations(state)
        self.notifications = _Notifications(state)
        self.timers = _Timers(state)
        self.round_robin = _RoundRobin(state)
        self.contact_sends = _ContactSends(state)
        self.workarounds = _Workarounds(state)
        self._events: list[EventData] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._events.clear()

    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        key = (consumer, source, event_id)
        if key in self.state.inbox:
            return False
        self.state.inbox.add(key)
        return True

    def emit(self, event: EventData) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        self.state.events += self._events
        self._events.clear()


def incident_event(kind: type[Any], incident_id: UUID, *, at: datetime, **extra: Any) -> Any:
    """Any incident event for `checkout`, with the fields its type needs."""

    status = {
        "tocsin.incident.acknowledged": IncidentStatus.ACKNOWLEDGED,
        "tocsin.incident.resolved": IncidentStatus.RESOLVED,
    }.get(kind.TYPE, IncidentStatus.TRIGGERED)
    fields: dict[str, Any] = {
        "incident_id": incident_id,
        "service": "checkout",
        "dedup_key": "db-down",
        "summary": "database down",
        "severity": "critical",
        "status": status,
        "occurred_at": at,
        "actor": Actor(kind="system", id="test"),
        "triggered_at": at,
        "source": "prometheus",
        "reason": "ack_timeout",
        "snoozed_until": at,
    }
    return kind.model_validate({**fields, **extra})


def escalation_yaml(
    url: str, *, delays: tuple[float, float, float] = (1, 1, 1), repeat: int = 0
) -> str:
    """Three levels, one webhook channel each (`l0`, `l1`, `l2`), all to `url`."""
    channels = "".join(
        f"""
  - name: l{i}
    type: webhook
    url: {url}
    secret: s{i}"""
        for i in range(3)
    )
    levels = "".join(
        f"""
      - targets: [{{channel: l{i}}}]
        delay_minutes: {delays[i]}"""
        for i in range(3)
    )
    return f"""
version: 1
services:
  - name: checkout
    escalation_policy: three-levels
channels:{channels}
escalation_policies:
  - name: three-levels
    repeat: {repeat}
    levels:{levels}
"""


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class World:
    def __init__(self, yaml: str | None = None, **ctx: Any) -> None:
        self.state = NotifierState()
        self.clock = FakeClock(T0)
        config = parse_config(yaml or escalation_yaml("http://x/y"), source="test")
        self.ctx = PagingContext(config=config, incident_url="http://inc", **ctx)

    def uow(self) -> FakeNotifierUow:
        return FakeNotifierUow(self.state)

    async def event(self, kind: type[Any], incident_id: UUID, **extra: Any) -> str:
        event = incident_event(kind, incident_id, at=self.clock.now(), **extra)
        envelope = envelope_for(event, source="/t")
        return await on_incident_event(
            envelope, uow_factory=self.uow, ctx=self.ctx, clock=self.clock
        )

    async def fire_due(self) -> list[str]:
        """Fire every due timer (as the timer loop would), oldest first."""
        outcomes = []
        now = self.clock.now()
        for subject, timer in sorted(self.state.timers.items(), key=lambda t: t[1].due_at):
            if timer.due_at <= now:
                del self.state.timers[subject]
                outcomes.append(
                    await on_step_due(
                        timer.payload,
                        lateness=now - timer.due_at,
                        uow=self.uow(),
                        ctx=self.ctx,
                        now=now,
                    )
                )
        return outcomes

    def paged(self) -> list[str]:
        """The channel of every page requested, in order."""
        return [n.channel for n in self.state.notifications.values()]
