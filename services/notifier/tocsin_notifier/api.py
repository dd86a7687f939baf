"""HTTP entry points of the notifier: the ledger and the operator's redrive."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies
# (local `viewer`/`responder` guards) at import time, or it treats them as query parameters.

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .adapters.postgres import ledger_for_incident
from .domain.ledger import IllegalStep
from .handlers import UnknownNotification, UowFactory, redrive


def notifications_router(
    *, config: TocsinConfig, pool: Callable[[], asyncpg.Pool], uow_factory: UowFactory, clock: Clock
) -> APIRouter:
    router = APIRouter(tags=["notifications"])
    viewer = Depends(require_role(config, Role.VIEWER))
    admin = Depends(require_role(config, Role.ADMIN))

    @router.get("/v1/notifications")
    async def list_notifications(
        _: Annotated[ApiToken, viewer], incident: Annotated[UUID, Query()]
    ) -> dict[str, Any]:
        return {"notifications": await ledger_for_incident(pool(), incident)}

    @router.post("/v1/notifications/{notification_id}/redrive")
    async def redrive_one(notification_id: UUID, _: Annotated[ApiToken, admin]) -> dict[str, Any]:
        try:
            n = await redrive(notification_id, uow_factory=uow_factory, clock=clock)
        except UnknownNotification:
            raise ApiError(404, "not_found", "no such notification") from None
        except IllegalStep as exc:
            raise ApiError(409, "illegal_transition", str(exc)) from None
        return {"id": str(n.id), "status": n.status.value}

    return router
