"""Commands on one incident over HTTP: each is a transition with the token's user as actor."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.contracts.events import Actor
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .deps import Deps
from .domain.model import Command, IllegalTransition
from .handlers.commands import IncidentNotFound, change_status
from .ports import UnitOfWork


def router(deps: Deps) -> APIRouter:
    return commands_router(config=deps.config, uow_factory=deps.uow, clock=deps.clock)


def commands_router(
    *, config: TocsinConfig, uow_factory: Callable[[], UnitOfWork], clock: Clock
) -> APIRouter:
    api = APIRouter(tags=["incidents"])
    responder = Depends(require_role(config, Role.RESPONDER))

    async def _command(incident_id: UUID, command: Command, token: ApiToken) -> dict[str, Any]:
        try:
            incident = await change_status(
                incident_id,
                command,
                actor=Actor(kind="user", id=token.name),
                uow_factory=uow_factory,
                clock=clock,
            )
        except IncidentNotFound:
            raise ApiError(404, "not_found", "no such incident") from None
        except IllegalTransition as exc:
            raise ApiError(409, "illegal_transition", str(exc)) from None
        return {"id": str(incident.id), "status": incident.status.value}

    @api.post("/v1/incidents/{incident_id}/acknowledge")
    async def acknowledge(
        incident_id: UUID, token: Annotated[ApiToken, responder]
    ) -> dict[str, Any]:
        return await _command(incident_id, Command.ACKNOWLEDGE, token)

    @api.post("/v1/incidents/{incident_id}/resolve")
    async def resolve(incident_id: UUID, token: Annotated[ApiToken, responder]) -> dict[str, Any]:
        return await _command(incident_id, Command.RESOLVE, token)

    return api
