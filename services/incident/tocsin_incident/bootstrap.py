"""Composition root of the incident service: the one place that wires real adapters to handlers."""

from __future__ import annotations

from fastapi import FastAPI
from tocsin_shared.clock import Clock, SystemClock
from tocsin_shared.config import load_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import ALERTS_RAW
from tocsin_shared.runtime import Runtime

from . import SCHEMA
from .adapters.postgres import IncidentUnitOfWork
from .api import incidents_router, ingest_router
from .raw_consumer import raw_alert_handler
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

    def uow() -> IncidentUnitOfWork:
        return IncidentUnitOfWork(runtime.pool, topic_prefix=settings.topic_prefix)

    runtime.consumer(
        topic=ALERTS_RAW,
        name="processor",
        handler=raw_alert_handler(uow_factory=uow, clock=clock),
    )
    runtime.add_router(
        ingest_router(
            config=config,
            sink=lambda: runtime.producer,
            raw_topic=runtime.topic(ALERTS_RAW),
            clock=clock,
        )
    )
    runtime.add_router(
        incidents_router(config=config, pool=lambda: runtime.pool, uow_factory=uow, clock=clock)
    )
    return runtime


def build_app(settings: IncidentSettings, *, config: TocsinConfig | None = None) -> FastAPI:
    return build_runtime(settings, config=config).app(title="Tocsin incident service")
