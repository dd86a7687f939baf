"""Read side of the incident API: list with filters and cursor, one incident with its timeline."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from tocsin_shared.config.models import ApiToken, Role
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .adapters.postgres import incident_detail, list_incidents
from .deps import Deps
from .ports import IncidentFilter


def router(deps: Deps) -> APIRouter:
    api = APIRouter(tags=["incidents"])
    viewer = Depends(require_role(deps.config, Role.VIEWER))

    @api.get("/v1/incidents")
    async def get_incidents(
        _: Annotated[ApiToken, viewer],
        status: Annotated[str | None, Query(pattern="^(triggered|acknowledged|resolved)$")] = None,
        service: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[int | None, Query(ge=0)] = None,
    ) -> dict[str, Any]:
        rows = await list_incidents(
            deps.pool(),
            IncidentFilter(status=status, service=service, limit=limit, before_seq=cursor),
        )
        next_cursor = rows[-1]["created_seq"] if len(rows) == limit else None
        for row in rows:
            row.pop("created_seq", None)
        return {"incidents": rows, "next_cursor": next_cursor}

    @api.get("/v1/incidents/{incident_id}")
    async def get_incident(incident_id: UUID, _: Annotated[ApiToken, viewer]) -> dict[str, Any]:
        detail = await incident_detail(deps.pool(), incident_id)
        if detail is None:
            raise ApiError(404, "not_found", "no such incident")
        return detail

    return api
