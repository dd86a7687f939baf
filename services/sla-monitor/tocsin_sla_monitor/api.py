"""HTTP entry points: translate the request, query, translate the answer."""

# No `from __future__ import annotations` here: FastAPI evaluates the string annotation
# `Annotated[ApiToken, viewer]` in module globals, where the closure's `viewer` does not exist, and
# would then take `_` for a required query parameter.

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role

from .adapters.postgres import clocks_for_incident
from .domain.clocks import SlaClock, read


def _view(sla_clock: SlaClock, *, now: datetime) -> dict[str, Any]:
    reading = read(sla_clock, now=now)
    return {
        "policy": sla_clock.policy,
        "target": sla_clock.target.value,
        "started_at": sla_clock.started_at,
        "due_at": sla_clock.due_at,
        "state": sla_clock.state.value,
        "stopped_at": sla_clock.stopped_at,
        "elapsed_s": reading.elapsed_s,
        "remaining_s": reading.remaining_s,
        "percent": reading.percent,
    }


def sla_router(
    *, config: TocsinConfig, pool: Callable[[], asyncpg.Pool], clock: Clock
) -> APIRouter:
    router = APIRouter(tags=["sla"])
    viewer = Depends(require_role(config, Role.VIEWER))

    @router.get("/v1/sla/incidents/{incident_id}")
    async def incident_clocks(incident_id: UUID, _: Annotated[ApiToken, viewer]) -> dict[str, Any]:
        """The incident's SLA clocks; none if no policy matched (or its trigger is not seen yet)."""
        clocks = await clocks_for_incident(pool(), incident_id)
        now = clock.now()
        return {"incident_id": incident_id, "clocks": [_view(c, now=now) for c in clocks]}

    return router
