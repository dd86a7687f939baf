"""Composition root of the problem service: the one place that wires real adapters to handlers."""

from __future__ import annotations

from fastapi import FastAPI
from tocsin_shared.clock import Clock, SystemClock
from tocsin_shared.config import load_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.runtime import Runtime

from . import SCHEMA
from .adapters.postgres import ProblemUnitOfWork
from .api import problems_router
from .api_backtest import backtest_api
from .correlating import CorrelationConfig
from .incident_consumer import incident_events_handler
from .routes import management_routers
from .settings import ProblemSettings


def build_runtime(
    settings: ProblemSettings,
    *,
    config: TocsinConfig | None = None,
    clock: Clock | None = None,
) -> Runtime:
    """`clock` stamps problem-management changes (tests pass a fake one)."""
    config = config or load_config(settings.config)
    runtime = Runtime(settings, service="problem", schema=SCHEMA)

    clock = clock or SystemClock()

    def uow() -> ProblemUnitOfWork:
        return ProblemUnitOfWork(runtime.pool, topic_prefix=settings.topic_prefix)

    handler = incident_events_handler(
        uow_factory=uow, correlation=CorrelationConfig.of(config), clock=clock
    )
    runtime.consumer(topic=INCIDENT_EVENTS, name="incident-events", handler=handler)
    runtime.add_router(problems_router(config=config, pool=lambda: runtime.pool))
    runtime.add_router(backtest_api(config=config, pool=lambda: runtime.pool))
    for router in management_routers(config=config, uow_factory=uow, clock=clock):
        runtime.add_router(router)
    return runtime


def build_app(settings: ProblemSettings, *, config: TocsinConfig | None = None) -> FastAPI:
    return build_runtime(settings, config=config).app(title="Tocsin problem service")
