"""Composition root of the SLA monitor: the one place that wires real adapters to handlers."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from tocsin_shared.clock import Clock, SystemClock
from tocsin_shared.config import load_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.timers import timer_loop
from tocsin_shared.observability.metrics import REFRESH_S, every
from tocsin_shared.runtime import Runtime

from . import SCHEMA
from .adapters.postgres import SlaUnitOfWork
from .api import sla_router
from .calendars import CalendarBook
from .clock_metrics import ClockGauges
from .handlers import SlaRules
from .incident_consumer import incident_events_handler
from .metrics import SlaMetrics, metrics_loop
from .settings import SlaSettings
from .timers import threshold_timers


def build_runtime(
    settings: SlaSettings,
    *,
    config: TocsinConfig | None = None,
    clock: Clock | None = None,
) -> Runtime:
    config = config or load_config(settings.config)
    clock = clock or SystemClock()
    runtime = Runtime(settings, service="sla-monitor", schema=SCHEMA)
    calendars = CalendarBook(config)
    rules = SlaRules(
        policies=tuple(config.sla_policies),
        calendars=calendars,
        late_after=timedelta(seconds=settings.sla_late_after_s),
    )

    def uow() -> SlaUnitOfWork:
        return SlaUnitOfWork(runtime.pool, topic_prefix=settings.topic_prefix)

    def uow_on(conn: DbConnection) -> SlaUnitOfWork:
        return SlaUnitOfWork(None, topic_prefix=settings.topic_prefix, connection=conn)

    handler = incident_events_handler(rules=rules, uow_factory=uow, clock=clock)
    runtime.consumer(topic=INCIDENT_EVENTS, name="incident-events", handler=handler)
    handlers = threshold_timers(rules=rules, uow_on=uow_on)
    runtime.background(
        "sla-timers",
        lambda: timer_loop(
            lambda: runtime.pool,
            handlers=handlers,
            clock=clock,
            idle_s=settings.sla_timer_idle_s,
        ),
    )
    metrics = SlaMetrics(runtime.registry)
    runtime.background("sla-metrics", lambda: metrics_loop(metrics, lambda: runtime.pool, clock))
    clock_gauges = ClockGauges(runtime.registry)
    runtime.background(
        "sla-clock-gauges", lambda: every(REFRESH_S, lambda: clock_gauges.refresh(runtime.pool))
    )
    runtime.add_router(
        sla_router(config=config, pool=lambda: runtime.pool, clock=clock, calendars=calendars)
    )
    return runtime


def build_app(settings: SlaSettings, *, config: TocsinConfig | None = None) -> FastAPI:
    return build_runtime(settings, config=config).app(title="Tocsin SLA monitor")
