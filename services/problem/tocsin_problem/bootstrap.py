"""Composition root of the problem service: the one place that wires real adapters to handlers."""

from __future__ import annotations

from fastapi import FastAPI
from tocsin_shared.clock import Clock
from tocsin_shared.config import load_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.runtime import Runtime

from . import SCHEMA
from .adapters.postgres import ProblemUnitOfWork
from .api import problems_router
from .incident_consumer import incident_events_handler
from .ports import UnitOfWork
from .settings import ProblemSettings


def build_runtime(
    settings: ProblemSettings,
    *,
    config: TocsinConfig | None = None,
    clock: Clock | None = None,
) -> Runtime:
    """`clock` is accepted for symmetry with the other services; nothing here reads time yet."""
    config = config or load_config(settings.config)
    runtime = Runtime(settings, service="problem", schema=SCHEMA)

    def uow() -> UnitOfWork:
        return ProblemUnitOfWork(runtime.pool, topic_prefix=settings.topic_prefix)

    handler = incident_events_handler(uow_factory=uow)
    runtime.consumer(topic=INCIDENT_EVENTS, name="incident-events", handler=handler)
    runtime.add_router(problems_router(config=config, pool=lambda: runtime.pool))
    return runtime


def build_app(settings: ProblemSettings, *, config: TocsinConfig | None = None) -> FastAPI:
    return build_runtime(settings, config=config).app(title="Tocsin problem service")
