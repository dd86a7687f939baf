"""Every HTTP router and timer handler of the incident service, gathered for bootstrap.

Each module exposes `router(deps)`; modules with durable timers expose `timer_handlers(deps)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter
from tocsin_shared.db.timers import TimerHandler

from . import api_commands, api_ingest, api_queries
from .deps import Deps

ROUTERS: tuple[Callable[[Deps], APIRouter], ...] = (
    api_ingest.router,
    api_queries.router,
    api_commands.router,
)

TIMERS: tuple[Callable[[Deps], Mapping[str, TimerHandler]], ...] = ()
