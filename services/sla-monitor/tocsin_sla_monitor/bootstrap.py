"""Composition root of the SLA monitor: the one place that wires real adapters to handlers."""

from __future__ import annotations

from fastapi import FastAPI
from tocsin_shared.clock import Clock, SystemClock
from tocsin_shared.config import load_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.runtime import Runtime

from . import SCHEMA
from .adapters.postgres import SlaUnitOfWork
from .api import sla_router
from .incident_consumer import incident_events_handler
from .ports import UnitOfWork
from .settings import SlaSettings


def build_runtime(
    settings: SlaSettings,
    *,
    config: TocsinConfig | None = None,
    clock: Clock | None = None,
) -> Runtime:
    config = config or load_config(settings.config)
    clock = clock or SystemClock()
    runtime = Runtime(settings, service="sla-monitor", schema=SCHEMA)

    def uow() -> UnitOfWork:
        return SlaUnitOfWork(runtime.pool, topic_prefix=settings.topic_prefix)

    handler = incident_events_handler(policies=tuple(config.sla_policies), uow_factory=uow)
    runtime.consumer(topic=INCIDENT_EVENTS, name="incident-events", handler=handler)
    runtime.add_router(sla_router(config=config, pool=lambda: runtime.pool, clock=clock))
    return runtime


def build_app(settings: SlaSettings, *, config: TocsinConfig | None = None) -> FastAPI:
    return build_runtime(settings, config=config).app(title="Tocsin SLA monitor")
