"""The SLA report as Prometheus gauges on the runtime's registry, refreshed in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
from prometheus_client import CollectorRegistry, Gauge
from tocsin_shared.clock import Clock

from .adapters.reports import report_data

LABELS = ("service", "severity")


class SlaMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.compliance = Gauge(
            "tocsin_sla_compliance_ratio",
            "met / (met + breached) over clocks completed in the window",
            LABELS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "tocsin_sla_in_flight_breaches", "Breached clocks still open", LABELS, registry=registry
        )
        self.mtta = Gauge(
            "tocsin_sla_mtta_seconds", "Time to acknowledge", (*LABELS, "stat"), registry=registry
        )
        self.mttr = Gauge(
            "tocsin_sla_mttr_seconds", "Time to resolve", (*LABELS, "stat"), registry=registry
        )

    async def refresh(self, pool: asyncpg.Pool, clock: Clock, *, window: timedelta) -> None:
        end = clock.now()
        data = await report_data(pool, start=end - window, end=end, service=None)
        for gauge in (self.compliance, self.in_flight, self.mtta, self.mttr):
            gauge.clear()
        for group, tally in data.tallies.items():
            if (ratio := tally.compliance_percent) is not None:
                self.compliance.labels(*group).set(ratio / 100)
        for group, n in data.in_flight_counts.items():
            self.in_flight.labels(*group).set(n)
        for gauge, table in ((self.mtta, data.mtta), (self.mttr, data.mttr)):
            for group, stats in table.items():
                for stat, value in (
                    ("mean", stats.mean_s),
                    ("median", stats.median_s),
                    ("p90", stats.p90_s),
                ):
                    if value is not None:
                        gauge.labels(*group, stat).set(value)


def metrics_loop(
    metrics: SlaMetrics,
    pool: Callable[[], asyncpg.Pool],
    clock: Clock,
    *,
    window: timedelta = timedelta(days=30),
    interval_s: float = 15.0,
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        while True:
            await metrics.refresh(pool(), clock, window=window)
            await asyncio.sleep(interval_s)

    return run
