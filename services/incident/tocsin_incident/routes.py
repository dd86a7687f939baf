"""Every HTTP router and timer handler of the incident service, gathered for bootstrap.

Each module exposes `router(deps)`; modules with durable timers expose `timer_handlers(deps)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter
from tocsin_shared.db.timers import TimerHandler

from . import (
    api_alertmanager,
    api_commands,
    api_heartbeats,
    api_ingest,
    api_links,
    api_opsgenie,
    api_pagerduty,
    api_queries,
    api_silences,
)
from .deps import Deps
from .handlers import timers as lifecycle_timers

ROUTERS: tuple[Callable[[Deps], APIRouter], ...] = (
    api_ingest.router,
    api_alertmanager.router,
    api_pagerduty.router,
    api_opsgenie.router,
    api_queries.router,
    api_commands.router,
    api_silences.router,
    api_heartbeats.router,
    api_links.router,
)

TIMERS: tuple[Callable[[Deps], Mapping[str, TimerHandler]], ...] = (
    lifecycle_timers.timer_handlers,
    api_silences.timer_handlers,
    api_heartbeats.timer_handlers,
)
