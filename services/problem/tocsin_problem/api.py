"""HTTP entry points: translate the request, query, translate the answer."""

# No `from __future__ import annotations` here: FastAPI evaluates the string annotation
# `Annotated[ApiToken, viewer]` in module globals, where the closure's `viewer` does not exist, and
# would then take `_` for a required query parameter.

from collections.abc import Callable
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role

from .adapters.postgres import list_observed


def problems_router(*, config: TocsinConfig, pool: Callable[[], asyncpg.Pool]) -> APIRouter:
    router = APIRouter(tags=["problems"])
    viewer = Depends(require_role(config, Role.VIEWER))

    @router.get("/v1/problems/observed-incidents")
    async def observed_incidents(
        _: Annotated[ApiToken, viewer],
        service: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        """The incidents this service has seen, most recently changed first."""
        rows = await list_observed(pool(), service=service, limit=limit)
        return {"observed_incidents": rows}

    return router
