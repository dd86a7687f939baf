"""Correlation candidates from Postgres, by the definitions in domain/correlation/memory.py.

Each query is an index range scan: recurrence_keys (rule, key, triggered_at), problem_templates
(service, last_seen), observed_incidents (service, triggered_at).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from tocsin_shared.config.models import CorrelationRule, CorrelationSettings
from tocsin_shared.contracts.events import IncidentEventData, IncidentTriggeredV1
from tocsin_shared.db.pool import DbConnection

from ..domain.correlation.model import (
    Candidates,
    IncidentFacts,
    KnownErrorSignature,
    ProblemCandidate,
    RecurrenceCandidate,
    TrendGroup,
    recurrence_key,
)
from ..domain.known_errors import KnownError
from .pg_work import PgKnownErrors

_OPEN = "('new', 'assess', 'root_cause_analysis', 'fix_in_progress')"
_LOG_INSERT = (
    "INSERT INTO incident_event_log (source, event_id, type, incident_id, occurred_at, data)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, event_id) DO NOTHING"
)
_UNLINKED = "NOT EXISTS (SELECT 1 FROM problem_links l WHERE l.incident_id = {alias}.incident_id)"


class PgCorrelation:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def lock_keys(self, keys: Sequence[str]) -> None:
        """Serialise the incidents of one key across replicas: a count and the problem it opens
        are decided by one transaction at a time."""
        for key in sorted(set(keys)):
            await self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", key)

    async def candidates(
        self,
        facts: IncidentFacts,
        *,
        rules: Sequence[CorrelationRule],
        settings: CorrelationSettings,
        scope: Sequence[str],
        known_errors: Sequence[KnownErrorSignature],
    ) -> Candidates:
        recurrences = [
            await self._recurrence(facts, rule, settings=settings, scope=scope)
            for rule in rules
            if rule.applies_to(facts.service)
        ]
        window = timedelta(days=settings.similarity.window_days)
        return Candidates(
            recurrences=tuple(recurrences),
            problems=await self._problems(facts, scope=scope, window=window),
            trends=await self._trends(facts, window=window),
            known_errors=tuple(known_errors),
            rejected_problem_ids=await self._rejected(facts.template),
        )

    async def remember(self, facts: IncidentFacts, *, rules: Sequence[CorrelationRule]) -> None:
        await self._conn.executemany(
            "INSERT INTO recurrence_keys (incident_id, rule, key, service, triggered_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            [
                (
                    facts.incident_id,
                    r.name,
                    recurrence_key(facts, r),
                    facts.service,
                    facts.triggered_at,
                )
                for r in rules
                if r.applies_to(facts.service)
            ],
        )

    async def _recurrence(
        self,
        facts: IncidentFacts,
        rule: CorrelationRule,
        *,
        settings: CorrelationSettings,
        scope: Sequence[str],
    ) -> RecurrenceCandidate:
        key = recurrence_key(facts, rule)
        rows = await self._conn.fetch(
            "SELECT rk.incident_id, rk.triggered_at FROM recurrence_keys rk"
            " WHERE rk.rule = $1 AND rk.key = $2 AND rk.triggered_at BETWEEN $3 AND $4"
            f" AND rk.incident_id <> $5 AND {_UNLINKED.format(alias='rk')}"
            " ORDER BY rk.triggered_at, rk.incident_id",
            rule.name,
            key,
            facts.triggered_at - timedelta(days=rule.window_days),
            facts.triggered_at,
            facts.incident_id,
        )
        open_problem = await self._conn.fetchval(
            f"SELECT problem_id FROM problems WHERE recurrence_key = $1 AND state IN {_OPEN}", key
        )
        prior = tuple(r["incident_id"] for r in rows)
        times = tuple(r["triggered_at"] for r in rows)
        co_occurring: dict[UUID, frozenset[UUID]] = {}
        co = settings.co_occurrence
        if co.enabled and open_problem is None and len(prior) + 1 >= rule.threshold:
            services = list(scope) if co.across_dependencies else [facts.service]
            co_occurring = await self._co_occurring(
                (*prior, facts.incident_id),
                (*times, facts.triggered_at),
                services=services,
                window=timedelta(minutes=co.window_minutes),
            )
        return RecurrenceCandidate(
            rule=rule.name,
            key=key,
            prior_incident_ids=prior,
            open_problem_id=open_problem,
            prior_triggered_at=times,
            co_occurring=co_occurring,
        )

    async def _co_occurring(
        self,
        ids: Sequence[UUID],
        times: Sequence[Any],
        *,
        services: Sequence[str],
        window: timedelta,
    ) -> dict[UUID, frozenset[UUID]]:
        rows = await self._conn.fetch(
            "SELECT m.incident_id, array_agg(DISTINCT l.problem_id) AS problems"
            " FROM unnest($1::uuid[], $2::timestamptz[]) AS m(incident_id, t)"
            " JOIN observed_incidents o ON o.service = ANY($3::text[])"
            "  AND o.triggered_at BETWEEN m.t - $4::interval AND m.t + $4::interval"
            " JOIN problem_links l ON l.incident_id = o.incident_id"
            f" JOIN problems p ON p.problem_id = l.problem_id AND p.state IN {_OPEN}"
            " GROUP BY m.incident_id",
            list(ids),
            list(times),
            list(services),
            window,
        )
        return {r["incident_id"]: frozenset(r["problems"]) for r in rows}

    async def _problems(
        self, facts: IncidentFacts, *, scope: Sequence[str], window: timedelta
    ) -> tuple[ProblemCandidate, ...]:
        rows = await self._conn.fetch(
            "SELECT pt.problem_id, pt.service, pt.template FROM problem_templates pt"
            " JOIN problems p ON p.problem_id = pt.problem_id"
            f" WHERE pt.service = ANY($1::text[]) AND pt.last_seen >= $2 AND p.state IN {_OPEN}"
            " ORDER BY pt.problem_id, pt.service, pt.template",
            list(scope),
            facts.triggered_at - window,
        )
        grouped: dict[UUID, list[tuple[str, str]]] = {}
        for r in rows:
            grouped.setdefault(r["problem_id"], []).append((r["service"], r["template"]))
        return tuple(ProblemCandidate(pid, tuple(pairs)) for pid, pairs in grouped.items())

    async def _trends(self, facts: IncidentFacts, *, window: timedelta) -> tuple[TrendGroup, ...]:
        rows = await self._conn.fetch(
            "SELECT o.template, array_agg(o.incident_id ORDER BY o.triggered_at, o.incident_id)"
            " AS ids FROM observed_incidents o"
            " WHERE o.service = $1 AND o.triggered_at BETWEEN $2 AND $3"
            f" AND o.template IS NOT NULL AND o.incident_id <> $4 AND {_UNLINKED.format(alias='o')}"
            " GROUP BY o.template ORDER BY o.template",
            facts.service,
            facts.triggered_at - window,
            facts.triggered_at,
            facts.incident_id,
        )
        return tuple(TrendGroup(r["template"], tuple(r["ids"])) for r in rows)

    async def _rejected(self, template: str) -> frozenset[UUID]:
        rows = await self._conn.fetch(
            "SELECT DISTINCT problem_id FROM link_suggestions"
            " WHERE status = 'rejected' AND template = $1",
            template,
        )
        return frozenset(r["problem_id"] for r in rows)


class PgEventLog:
    """The incident events as received: what `problems backtest` replays."""

    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def append(self, *, source: str, event_id: str, event: IncidentEventData) -> None:
        await self._conn.execute(
            _LOG_INSERT,
            source,
            event_id,
            event.ce_type(),
            event.incident_id,
            event.occurred_at,
            event.model_dump(mode="json"),
        )


@dataclass(frozen=True)
class StoredHistory:
    events: list[dict[str, Any]]
    links: dict[UUID, UUID]
    known_errors: list[KnownError]


async def stored_history(
    pool: asyncpg.Pool, *, since: datetime, until: datetime, limit: int
) -> StoredHistory:
    """The triggered events logged in [since, until), the links recorded for their incidents,
    and the published known errors: what a backtest replays and scores against."""
    async with pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        rows = await conn.fetch(
            "SELECT type, data FROM incident_event_log"
            " WHERE occurred_at >= $1 AND occurred_at < $2 AND type = $3 ORDER BY seq LIMIT $4",
            since,
            until,
            IncidentTriggeredV1.ce_type(),
            limit,
        )
        ids = list({UUID(r["data"]["incident_id"]) for r in rows})
        links = await conn.fetch(
            "SELECT incident_id, problem_id FROM problem_links WHERE incident_id = ANY($1::uuid[])",
            ids,
        )
        known = await PgKnownErrors(conn).published()
    return StoredHistory(
        events=[{"type": r["type"], "data": r["data"]} for r in rows],
        links={r["incident_id"]: r["problem_id"] for r in links},
        known_errors=known,
    )
