"""Heartbeats over HTTP (ping, list) and their deadline timer."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from tocsin_shared.config.models import ApiToken, Heartbeat, Role, TocsinConfig
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.timers import Timer, TimerHandler
from tocsin_shared.http.auth import bearer, require_role
from tocsin_shared.http.errors import ApiError

from .adapters.heartbeats import HEARTBEAT_EXPIRE, heartbeat_states, screen_ports
from .deps import Deps
from .domain.heartbeats import HeartbeatStatus
from .handlers.heartbeats import on_deadline, ping

log = structlog.get_logger(__name__)
_MAY_PING = {Role.RESPONDER, Role.ADMIN}


def authorised_pinger(config: TocsinConfig, request: Request, name: str) -> Heartbeat:
    """The heartbeat's own integration key, or an API token with the responder role."""
    presented = bearer(request)
    token = config.api_token_for(presented) if presented else None
    integration = config.integration_for_key(presented) if presented else None
    if token is None and integration is None:
        raise ApiError(401, "unauthenticated", "a valid integration key or API token is required")
    heartbeat = config.heartbeat(name)
    allowed = (token is not None and token.role in _MAY_PING) or (
        integration is not None
        and heartbeat is not None
        and heartbeat.integration == integration.name
    )
    if not allowed:
        raise ApiError(403, "forbidden", "this credential may not ping this heartbeat")
    if heartbeat is None:
        raise ApiError(404, "not_found", "no such heartbeat")
    return heartbeat


def _out(heartbeat: Heartbeat, status: HeartbeatStatus | None) -> dict[str, Any]:
    status = status or HeartbeatStatus(heartbeat.name)
    return {
        "name": heartbeat.name,
        "service": heartbeat.service,
        "interval_seconds": heartbeat.interval().total_seconds(),
        "integration": heartbeat.integration,
        "state": status.state.value,
        "last_ping_at": status.last_ping_at,
        "next_due_at": status.next_due_at,
        "missed_at": status.missed_at,
    }


def router(deps: Deps) -> APIRouter:
    api = APIRouter(tags=["heartbeats"])
    viewer = Depends(require_role(deps.config, Role.VIEWER))
    ports = screen_ports(deps)

    @api.post("/v1/heartbeats/{name}/ping")
    async def post_ping(name: str, request: Request) -> dict[str, Any]:
        heartbeat = authorised_pinger(deps.config, request, name)
        status = await ping(heartbeat, uow_factory=deps.uow, ports=ports, clock=deps.clock)
        return _out(heartbeat, status)

    @api.get("/v1/heartbeats")
    async def get_heartbeats(_: Annotated[ApiToken, viewer]) -> dict[str, Any]:
        states = await heartbeat_states(deps.pool())
        return {"heartbeats": [_out(h, states.get(h.name)) for h in deps.config.heartbeats]}

    return api


def timer_handlers(deps: Deps) -> Mapping[str, TimerHandler]:
    ports = screen_ports(deps)

    async def deadline(timer: Timer, conn: DbConnection, now: datetime) -> None:
        heartbeat = deps.config.heartbeat(timer.subject)
        if heartbeat is None:
            return  # removed from the config since it was armed
        outcome = await on_deadline(heartbeat, uow=deps.uow_on(conn), ports=ports, now=now)
        if outcome is not None:
            log.warning("heartbeat missed", heartbeat=heartbeat.name, outcome=outcome)

    return {HEARTBEAT_EXPIRE: deadline}
