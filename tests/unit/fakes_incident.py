"""In-memory fakes of the incident service's ports."""

from __future__ import annotations

import copy
from typing import Self
from uuid import UUID

from tocsin_incident.domain.model import Incident
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import EventData
from tocsin_shared.messaging.producer import OutgoingRecord


class FakeIncidents:
    def __init__(self) -> None:
        self.rows: dict[UUID, Incident] = {}
        self.alerts: dict[UUID, tuple[UUID | None, str]] = {}

    async def open_for_key(self, service: str, dedup_key: str) -> Incident | None:
        for incident in self.rows.values():
            if (incident.service, incident.dedup_key) == (service, dedup_key) and incident.is_open:
                return copy.deepcopy(incident)
        return None

    async def get(self, incident_id: UUID, *, for_update: bool = False) -> Incident | None:
        found = self.rows.get(incident_id)
        return copy.deepcopy(found) if found else None

    async def add(self, incident: Incident) -> None:
        assert incident.id not in self.rows
        self.rows[incident.id] = self._stored(incident)

    async def save(self, incident: Incident) -> None:
        assert incident.id in self.rows
        self.rows[incident.id] = self._stored(incident)

    @staticmethod
    def _stored(incident: Incident) -> Incident:
        # Like the table: state is kept, pending events and timeline entries are not.
        stored = copy.deepcopy(incident)
        stored.events, stored.timeline = [], []
        return stored

    async def record_alert(
        self, alert: RawAlertV1, *, incident_id: UUID | None, outcome: str
    ) -> None:
        self.alerts[alert.alert_id] = (incident_id, outcome)


class FakeUnitOfWork:
    """Commits into shared state only on commit, like a transaction."""

    def __init__(
        self, incidents: FakeIncidents, inbox: set[tuple[str, str, str]], published: list[EventData]
    ) -> None:
        self._shared, self._inbox, self.published = incidents, inbox, published

    async def __aenter__(self) -> Self:
        self.incidents = copy.deepcopy(self._shared)
        self._claimed: set[tuple[str, str, str]] = set()
        self._events: list[EventData] = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        key = (consumer, source, event_id)
        if key in self._inbox or key in self._claimed:
            return False
        self._claimed.add(key)
        return True

    def emit(self, event: EventData) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        self._shared.rows, self._shared.alerts = self.incidents.rows, self.incidents.alerts
        self._inbox |= self._claimed
        self.published.extend(self._events)


class FakeWorld:
    def __init__(self) -> None:
        self.incidents = FakeIncidents()
        self.inbox: set[tuple[str, str, str]] = set()
        self.published: list[EventData] = []

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.incidents, self.inbox, self.published)


class FakeSink:
    def __init__(self) -> None:
        self.sent: list[OutgoingRecord] = []
        self.fail = False

    async def send_all(self, records: list[OutgoingRecord]) -> None:
        if self.fail:
            raise ConnectionError("broker away")
        self.sent.extend(records)
