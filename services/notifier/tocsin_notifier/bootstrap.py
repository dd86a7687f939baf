"""Composition root of the notifier."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from tocsin_shared.clock import Clock, SystemClock
from tocsin_shared.config import load_config
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import INCIDENT_EVENTS, PROBLEM_EVENTS, SLA_EVENTS
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.timers import Timer, timer_loop
from tocsin_shared.runtime import Runtime

from . import SCHEMA
from .action_links import ActionLinks
from .adapters.postgres import NotifierUnitOfWork
from .adapters.senders import senders
from .api import notifications_router
from .api_schedules import schedules_router
from .delivery import delivery_loop
from .domain.bundling import RateLimit
from .domain.ledger import RetryPolicy
from .incident_consumer import incident_events_handler
from .pages import TIMER_KIND, PagingContext, schedule_lookup
from .paging import on_step_due
from .problem_consumer import problem_events_handler
from .settings import NotifierSettings
from .sla_consumer import sla_events_handler


def build_runtime(
    settings: NotifierSettings, *, config: TocsinConfig | None = None, clock: Clock | None = None
) -> Runtime:
    config = config or load_config(settings.config)
    clock = clock or SystemClock()
    runtime = Runtime(settings, service="notifier", schema=SCHEMA)
    http = httpx.AsyncClient(follow_redirects=False)
    secret = settings.action_link_secret
    links = ActionLinks(
        secret=secret.get_secret_value() if secret else None,
        base_url=settings.action_link_base_url or settings.incident_url,
        ttl=timedelta(hours=settings.action_link_ttl_hours),
    )
    channels = senders(config, client=http, clock=clock, links=links)

    def uow() -> NotifierUnitOfWork:
        return NotifierUnitOfWork(runtime.pool, topic_prefix=settings.topic_prefix)

    wakeup = asyncio.Event()
    ctx = PagingContext(
        config=config,
        incident_url=settings.incident_url,
        late_after=timedelta(seconds=settings.escalation_late_after_s),
        on_call=schedule_lookup(config),
    )
    runtime.consumer(
        topic=INCIDENT_EVENTS,
        name="incident-events",
        handler=incident_events_handler(uow_factory=uow, ctx=ctx, clock=clock, paged=wakeup.set),
    )
    runtime.consumer(
        topic=SLA_EVENTS,
        name="sla-events",
        handler=sla_events_handler(uow_factory=uow, ctx=ctx, clock=clock, paged=wakeup.set),
    )
    runtime.consumer(
        topic=PROBLEM_EVENTS,
        name="problem-events",
        handler=problem_events_handler(uow_factory=uow, clock=clock, paged=wakeup.set),
    )

    async def escalation_step(timer: Timer, conn: DbConnection, now: datetime) -> None:
        async with NotifierUnitOfWork(
            None, topic_prefix=settings.topic_prefix, connection=conn
        ) as unit:
            await on_step_due(
                timer.payload, lateness=timer.lateness(now), uow=unit, ctx=ctx, now=now
            )
            await unit.commit()

    runtime.background(
        "escalation-timers",
        lambda: timer_loop(
            lambda: runtime.pool,
            handlers={TIMER_KIND: escalation_step},
            clock=clock,
            idle_s=settings.timer_poll_interval_s,
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
            rate=RateLimit(
                limit=settings.contact_rate_limit,
                window=timedelta(seconds=settings.contact_rate_window_s),
            ),
            wakeup=wakeup,
        ),
    )
    runtime.add_router(
        notifications_router(config=config, pool=lambda: runtime.pool, uow_factory=uow, clock=clock)
    )
    runtime.add_router(schedules_router(config=config, clock=clock))
    runtime.on_stop(http.aclose)
    return runtime


def build_app(settings: NotifierSettings, *, config: TocsinConfig | None = None) -> FastAPI:
    return build_runtime(settings, config=config).app(title="Tocsin notifier")
