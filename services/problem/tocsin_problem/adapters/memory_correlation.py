"""In-memory correlation candidates and event log over `MemoryState`: the same definitions as
adapters/pg_correlation.py (see domain/correlation/memory.py), by plain scans.
For unit tests; co-occurrence is left out (its candidates stay empty)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from tocsin_shared.config.models import CorrelationRule, CorrelationSettings
from tocsin_shared.contracts.events import IncidentEventData

from ..domain.correlation.model import (
    Candidates,
    IncidentFacts,
    KnownErrorSignature,
    ProblemCandidate,
    RecurrenceCandidate,
    TrendGroup,
    recurrence_key,
)
from .memory_repos import Journal, MemoryState


class MemoryCorrelation:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def lock_keys(self, keys: Sequence[str]) -> None:
        return None  # one process, one event loop: nothing runs beside this unit of work

    async def candidates(
        self,
        facts: IncidentFacts,
        *,
        rules: Sequence[CorrelationRule],
        settings: CorrelationSettings,
        scope: Sequence[str],
        known_errors: Sequence[KnownErrorSignature],
    ) -> Candidates:
        open_ids = {p.id for p in self._s.problems.values() if p.is_open}
        recurrences = []
        for rule in rules:
            key = recurrence_key(facts, rule)
            since = facts.triggered_at - timedelta(days=rule.window_days)
            prior = sorted(
                (t, i)
                for t, i in self._s.recurrence_keys.get((rule.name, key), [])
                if since <= t <= facts.triggered_at
                and i != facts.incident_id
                and i not in self._s.links
            )
            problem = next(
                (p.id for p in self._s.problems.values() if p.is_open and p.recurrence_key == key),
                None,
            )
            recurrences.append(
                RecurrenceCandidate(
                    rule=rule.name,
                    key=key,
                    prior_incident_ids=tuple(i for _, i in prior),
                    open_problem_id=problem,
                    prior_triggered_at=tuple(t for t, _ in prior),
                )
            )
        window = timedelta(days=settings.similarity.window_days)
        pairs: dict[UUID, list[tuple[str, str]]] = {}
        for (pid, service, template), seen in sorted(self._s.templates.items()):
            if pid in open_ids and service in scope and seen >= facts.triggered_at - window:
                pairs.setdefault(pid, []).append((service, template))
        trends: dict[str, list[tuple[datetime, UUID]]] = {}
        for o in self._s.observed.values():
            t = o.triggered_at
            if (
                o.service == facts.service
                and o.template
                and t is not None
                and facts.triggered_at - window <= t <= facts.triggered_at
                and o.incident_id != facts.incident_id
                and o.incident_id not in self._s.links
            ):
                trends.setdefault(o.template, []).append((t, o.incident_id))
        rejected = frozenset(
            s.problem_id
            for s in self._s.suggestions.values()
            if s.status == "rejected" and s.template == facts.template
        )
        return Candidates(
            recurrences=tuple(recurrences),
            problems=tuple(ProblemCandidate(pid, tuple(p)) for pid, p in pairs.items()),
            trends=tuple(
                TrendGroup(template, tuple(i for _, i in sorted(members)))
                for template, members in sorted(trends.items())
            ),
            known_errors=tuple(known_errors),
            rejected_problem_ids=rejected,
        )

    async def remember(self, facts: IncidentFacts, *, rules: Sequence[CorrelationRule]) -> None:
        for rule in rules:
            entries = self._s.recurrence_keys.setdefault(
                (rule.name, recurrence_key(facts, rule)), []
            )
            self._j.append(entries, (facts.triggered_at, facts.incident_id))


class MemoryEventLog:
    def __init__(self, state: MemoryState, journal: Journal) -> None:
        self._s, self._j = state, journal

    async def append(self, *, source: str, event_id: str, event: IncidentEventData) -> None:
        self._j.append(self._s.event_log, (source, event_id, event))
