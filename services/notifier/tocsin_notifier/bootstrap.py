"""Composition root of the notifier."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from tocsin_shared.clock import Clock, SystemClock
from tocsin_shared.config import load_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.runtime import Runtime

from . import SCHEMA
from .adapters.postgres import NotifierUnitOfWork
from .adapters.webhook import WebhookSender
from .api import notifications_router
from .delivery import delivery_loop
from .domain.ledger import RetryPolicy
from .incident_consumer import incident_events_handler
from .ports import Channel
from .settings import NotifierSettings


def build_runtime(
    settings: NotifierSettings, *, config: TocsinConfig | None = None, clock: Clock | None = None
) -> Runtime:
    config = config or load_config(settings.config)
    clock = clock or SystemClock()
    runtime = Runtime(settings, service="notifier", schema=SCHEMA)
    http = httpx.AsyncClient(follow_redirects=False)
    channels: dict[str, Channel] = {
        c.name: WebhookSender(c, client=http, clock=clock) for c in config.channels
    }

    def uow() -> NotifierUnitOfWork:
        return NotifierUnitOfWork(runtime.pool, topic_prefix=settings.topic_prefix)

    runtime.consumer(
        topic=INCIDENT_EVENTS,
        name="incident-events",
        handler=incident_events_handler(
            uow_factory=uow, config=config, clock=clock, incident_url=settings.incident_url
        ),
    )
    runtime.background(
        "delivery",
        lambda: delivery_loop(
            uow_factory=uow,
            channels=channels,
            clock=clock,
            policy=RetryPolicy(
                max_attempts=settings.delivery_max_attempts,
                base_s=settings.delivery_backoff_base_s,
                cap_s=settings.delivery_backoff_cap_s,
            ),
            batch=settings.delivery_batch_size,
            lease=timedelta(seconds=settings.delivery_lease_s),
            idle_wait_s=settings.delivery_poll_interval_s,
        ),
    )
    runtime.add_router(
        notifications_router(config=config, pool=lambda: runtime.pool, uow_factory=uow, clock=clock)
    )
    runtime.on_stop(http.aclose)
    return runtime


def build_app(settings: NotifierSettings, *, config: TocsinConfig | None = None) -> FastAPI:
    return build_runtime(settings, config=config).app(title="Tocsin notifier")
