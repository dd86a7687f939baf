"""In-memory fake of the incident read port, over the incident fakes' rows."""

from __future__ import annotations

from uuid import UUID

from tocsin_incident.domain.model import Incident
from tocsin_incident.read_models import (
    IncidentDetail,
    IncidentOut,
    IncidentQuery,
    ListedIncident,
)

from .fakes_incident import FakeIncidents


def _out(incident: Incident) -> IncidentOut:
    return IncidentOut.model_validate(incident, from_attributes=True)


class FakeIncidentReader:
    """Insertion order stands for created_seq; the last query is kept for assertions."""

    def __init__(self, incidents: FakeIncidents) -> None:
        self._incidents = incidents
        self.queries: list[IncidentQuery] = []

    def _matches(self, i: Incident, q: IncidentQuery) -> bool:
        needle = (q.text or "").lower()
        return (
            (not q.statuses or i.status in q.statuses)
            and (not q.severities or i.severity in q.severities)
            and (q.service is None or i.service == q.service)
            and (q.since is None or i.triggered_at >= q.since)
            and (q.until is None or i.triggered_at < q.until)
            and (needle in i.summary.lower() or needle in i.dedup_key.lower())
        )

    async def listing(self, query: IncidentQuery) -> list[ListedIncident]:
        self.queries.append(query)
        numbered = list(enumerate(self._incidents.rows.values(), start=1))
        found = [
            ListedIncident(seq=n, incident=_out(i))
            for n, i in reversed(numbered)
            if (query.before_seq is None or n < query.before_seq) and self._matches(i, query)
        ]
        return found[: query.limit + 1]

    async def detail(self, incident_id: UUID, *, alerts_limit: int) -> IncidentDetail | None:
        incident = self._incidents.rows.get(incident_id)
        if incident is None:
            return None
        total = sum(1 for owner, _ in self._incidents.alerts.values() if owner == incident_id)
        return IncidentDetail(
            **_out(incident).model_dump(), timeline=[], alerts=[], alerts_total=total
        )
