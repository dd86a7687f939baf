"""Composition root of the incident service: the one place that wires real adapters to handlers."""

from __future__ import annotations

from fastapi import FastAPI
from tocsin_shared.clock import Clock, SystemClock
from tocsin_shared.config import load_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import ALERTS_RAW, NOTIFICATION_EVENTS, PROBLEM_EVENTS
from tocsin_shared.db.timers import TimerHandler, timer_loop
from tocsin_shared.observability.metrics import REFRESH_S, every
from tocsin_shared.runtime import Runtime

from . import SCHEMA
from .adapters.heartbeats import alert_screen
from .deps import Deps
from .metrics import IncidentGauges, IngestRejections
from .notification_consumer import notification_events_handler
from .problem_consumer import problem_events_handler
from .raw_consumer import raw_alert_batch_handler, raw_alert_handler
from .routes import ROUTERS, TIMERS
from .settings import IncidentSettings


def build_runtime(
    settings: IncidentSettings,
    *,
    config: TocsinConfig | None = None,
    clock: Clock | None = None,
) -> Runtime:
    config = config or load_config(settings.config)
    clock = clock or SystemClock()
    runtime = Runtime(settings, service="incident", schema=SCHEMA)
    deps = Deps(settings=settings, config=config, clock=clock, runtime=runtime)

    screen = alert_screen(deps)
    runtime.batch_consumer(
        topic=ALERTS_RAW,
        name="processor",
        batch=raw_alert_batch_handler(uow_factory=deps.uow, clock=clock, screen=screen),
        single=raw_alert_handler(uow_factory=deps.uow, clock=clock, screen=screen),
        max_records=settings.processor_batch_size,
    )
    runtime.consumer(
        topic=NOTIFICATION_EVENTS,
        name="notifications",
        handler=notification_events_handler(uow_factory=deps.link_uow),
    )
    runtime.consumer(
        topic=PROBLEM_EVENTS,
        name="problem-events",
        handler=problem_events_handler(uow_factory=deps.problem_uow, clock=clock),
    )
    gauges = IncidentGauges(runtime.registry)
    runtime.background(
        "incident-gauges", lambda: every(REFRESH_S, lambda: gauges.refresh(runtime.pool))
    )
    for build_router in ROUTERS:
        runtime.add_router(build_router(deps))
    handlers: dict[str, TimerHandler] = {}
    for build_timers in TIMERS:
        handlers.update(build_timers(deps))
    if handlers:
        runtime.background(
            "timers", lambda: timer_loop(lambda: runtime.pool, handlers=handlers, clock=clock)
        )
    return runtime


def build_app(settings: IncidentSettings, *, config: TocsinConfig | None = None) -> FastAPI:
    loaded = config or load_config(settings.config)
    app = build_runtime(settings, config=loaded).app(title="Tocsin incident service")
    app.add_middleware(IngestRejections, config=lambda: loaded)
    return app
