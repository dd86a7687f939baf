"""In-memory fakes for the SLA monitor's ports; changes land only on commit, like Postgres."""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Self
from uuid import UUID

from tocsin_shared.contracts.envelope import envelope_for
from tocsin_shared.contracts.events import EventData
from tocsin_sla_monitor.domain.clocks import SlaClock
from tocsin_sla_monitor.ports import timer_subject


class FakeClockRepository:
    def __init__(self, clocks: dict[UUID, SlaClock]) -> None:
        self.clocks = clocks

    async def add(self, clocks: Sequence[SlaClock]) -> None:
        for clock in clocks:
            key = (clock.incident_id, clock.policy, clock.cycle)
            if any((c.incident_id, c.policy, c.cycle) == key for c in self.clocks.values()):
                raise ValueError(f"duplicate clock {key}")
            self.clocks[clock.id] = deepcopy(clock)

    async def for_incident(self, incident_id: UUID) -> list[SlaClock]:
        found = [deepcopy(c) for c in self.clocks.values() if c.incident_id == incident_id]
        return sorted(found, key=lambda c: (c.cycle, c.policy))

    async def get(self, clock_id: UUID) -> SlaClock | None:
        clock = self.clocks.get(clock_id)
        return deepcopy(clock) if clock else None

    async def save(self, clocks: Sequence[SlaClock]) -> None:
        for clock in clocks:
            self.clocks[clock.id] = deepcopy(clock)


@dataclass
class FakeTimer:
    due_at: datetime
    generation: int


class FakeTimers:
    def __init__(self, live: dict[str, FakeTimer]) -> None:
        self.live = live

    async def schedule(
        self, clock_id: UUID, *, percent: float, due_at: datetime, generation: int
    ) -> None:
        self.live[timer_subject(clock_id, percent, generation)] = FakeTimer(due_at, generation)

    async def cancel(self, clock_id: UUID, *, percent: float, generation: int) -> None:
        self.live.pop(timer_subject(clock_id, percent, generation), None)


@dataclass
class FakeIncidentTimes:
    rows: dict[UUID, dict[str, object]] = field(default_factory=dict)

    async def record(
        self, incident_id: UUID, *, name: str, at: datetime, service: str, severity: str
    ) -> None:
        if name in ("triggered", "reopened"):
            self.rows[incident_id] = {"service": service, "severity": severity, "triggered": at}
        elif name in ("acknowledged", "resolved") and incident_id in self.rows:
            self.rows[incident_id].setdefault(name, at)


class FakeSlaStore:
    """What the sla schema holds: clocks, live timers, incident times, inbox and outbox."""

    def __init__(self) -> None:
        self.clocks: dict[UUID, SlaClock] = {}
        self.timers: dict[str, FakeTimer] = {}
        self.times = FakeIncidentTimes()
        self.inbox: set[tuple[str, str, str]] = set()
        self.outbox: dict[str, EventData] = {}

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def for_incident(self, incident_id: UUID) -> dict[str, SlaClock]:
        return {c.policy: c for c in self.clocks.values() if c.incident_id == incident_id}

    def events(self, ce_type: str) -> list[EventData]:
        return [e for e in self.outbox.values() if e.ce_type() == ce_type]


class FakeUnitOfWork:
    def __init__(self, store: FakeSlaStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self._inbox = set(self._store.inbox)
        self.clocks = FakeClockRepository(deepcopy(self._store.clocks))
        self.timers = FakeTimers(dict(self._store.timers))
        self.incident_times = FakeIncidentTimes(deepcopy(self._store.times.rows))
        self._emitted: dict[str, EventData] = {}
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        claim = (consumer, source, event_id)
        if claim in self._inbox:
            return False
        self._inbox.add(claim)
        return True

    def emit_once(self, event: EventData, *, event_id: str) -> None:
        envelope_for(event, source="/tocsin/sla-monitor", event_id=event_id)
        self._emitted[event_id] = event

    async def commit(self) -> None:
        duplicate = set(self._emitted) & set(self._store.outbox)
        if duplicate:
            raise ValueError(f"outbox event ids must be unique: {duplicate}")
        self._store.inbox = self._inbox
        self._store.clocks = self.clocks.clocks
        self._store.timers = self.timers.live
        self._store.times = self.incident_times
        self._store.outbox.update(self._emitted)
