"""SLA clocks by state and the breach count, from the clocks table, refreshed in the background
(one grouped count every few seconds, never per scrape)."""

from __future__ import annotations

import asyncpg
from prometheus_client import CollectorRegistry, Gauge

from .domain.clocks import ClockState

TARGETS = ("time_to_acknowledge", "time_to_resolve")


class ClockGauges:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.by_state = Gauge(
            "tocsin_sla_clocks",
            "SLA clocks by state and target",
            ["state", "target"],
            registry=registry,
        )
        self.breaches = Gauge(
            "tocsin_sla_breaches",
            "Clocks that breached (all time, counted in the database; survives restarts)",
            registry=registry,
        )

    async def refresh(self, pool: asyncpg.Pool) -> None:
        rows = await pool.fetch(
            "SELECT state, target, count(*) AS n FROM clocks GROUP BY state, target"
        )
        counts = {(row["state"], row["target"]): int(row["n"]) for row in rows}
        for state in ClockState:
            for target in TARGETS:
                self.by_state.labels(state.value, target).set(counts.get((state.value, target), 0))
        self.breaches.set(
            sum(n for (state, _), n in counts.items() if state == ClockState.BREACHED)
        )
