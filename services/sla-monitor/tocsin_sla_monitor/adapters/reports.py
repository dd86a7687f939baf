"""Read side of the SLA report: what the clocks and incident times hold for a window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from tocsin_sla_monitor.domain.clocks import SlaClock
from tocsin_sla_monitor.domain.report import Stats, Tally, stats

from .postgres import FIELDS, clock_from

Group = tuple[str, str]
IN_FLIGHT_LISTED = 1000


@dataclass
class ReportData:
    tallies: dict[Group, Tally] = field(default_factory=dict)
    mtta: dict[Group, Stats] = field(default_factory=dict)
    mttr: dict[Group, Stats] = field(default_factory=dict)
    in_flight: list[SlaClock] = field(default_factory=list)  # the oldest IN_FLIGHT_LISTED
    in_flight_counts: dict[Group, int] = field(default_factory=dict)

    def groups(self) -> list[Group]:
        return sorted({*self.tallies, *self.mtta, *self.mttr, *self.in_flight_counts})


async def report_data(
    pool: asyncpg.Pool, *, start: datetime, end: datetime, service: str | None
) -> ReportData:
    data = ReportData()
    rows = await pool.fetch(
        "SELECT service, severity, state, count(*) AS n FROM clocks"
        " WHERE stopped_at >= $1 AND stopped_at < $2 AND ($3::text IS NULL OR service = $3)"
        " AND state IN ('met', 'breached', 'cancelled') GROUP BY 1, 2, 3",
        start,
        end,
        service,
    )
    for row in rows:
        group = (row["service"], row["severity"])
        data.tallies[group] = data.tallies.get(group, Tally()) + Tally(
            **{row["state"]: int(row["n"])}
        )
    durations = await pool.fetch(
        "SELECT service, severity,"
        " extract(epoch FROM acknowledged_at - triggered_at)::float8 AS tta,"
        " extract(epoch FROM resolved_at - triggered_at)::float8 AS ttr"
        " FROM incident_times WHERE triggered_at >= $1 AND triggered_at < $2"
        " AND ($3::text IS NULL OR service = $3)",
        start,
        end,
        service,
    )
    tta: dict[Group, list[float]] = {}
    ttr: dict[Group, list[float]] = {}
    for row in durations:
        group = (row["service"], row["severity"])
        if row["tta"] is not None:
            tta.setdefault(group, []).append(row["tta"])
        if row["ttr"] is not None:
            ttr.setdefault(group, []).append(row["ttr"])
    data.mtta = {g: stats(v) for g, v in tta.items()}
    data.mttr = {g: stats(v) for g, v in ttr.items()}
    counts = await pool.fetch(
        "SELECT service, severity, count(*) AS n FROM clocks WHERE state IN ('running', 'paused')"
        " AND breached_at IS NOT NULL AND ($1::text IS NULL OR service = $1) GROUP BY 1, 2",
        service,
    )
    data.in_flight_counts = {(r["service"], r["severity"]): int(r["n"]) for r in counts}
    breaches = await pool.fetch(
        f"SELECT {FIELDS} FROM clocks WHERE state IN ('running', 'paused')"
        " AND breached_at IS NOT NULL AND ($1::text IS NULL OR service = $1)"
        f" ORDER BY breached_at LIMIT {IN_FLIGHT_LISTED}",
        service,
    )
    data.in_flight = [clock_from(r) for r in breaches]
    return data


async def clocks_for_incident(pool: asyncpg.Pool, incident_id: UUID) -> list[SlaClock]:
    rows = await pool.fetch(
        f"SELECT {FIELDS} FROM clocks WHERE incident_id = $1 ORDER BY cycle, started_at, policy",
        incident_id,
    )
    return [clock_from(r) for r in rows]


def stats_view(value: Stats | None) -> dict[str, Any]:
    value = value or Stats(0, None, None, None)
    return {
        "count": value.count,
        "mean": value.mean_s,
        "median": value.median_s,
        "p90": value.p90_s,
    }
