"""Read side of the incident API: list with filters and cursor, one incident with its timeline."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.contracts.events import IncidentStatus, Severity
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .adapters.queries import PgIncidentReader
from .deps import Deps
from .read_models import (
    IncidentDetail,
    IncidentPage,
    IncidentQuery,
    IncidentReader,
    InvalidCursor,
    InvalidTime,
    as_utc,
    decode_cursor,
    page_of,
)

# Postgres text cannot hold NUL: refuse it up front rather than fail in the driver.
_NO_NUL = r"^[^\x00]*$"


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                }
            }
        },
    }


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem("No valid API token"),
    403: _problem("The token's role is below viewer"),
    422: _problem("Invalid filter, cursor or identifier"),
}


def router(deps: Deps) -> APIRouter:
    return queries_router(config=deps.config, reader=PgIncidentReader(deps.pool))


def _query(
    *,
    status: list[IncidentStatus] | None,
    severity: list[Severity] | None,
    service: str | None,
    since: datetime | None,
    until: datetime | None,
    text: str | None,
    limit: int,
    cursor: str | None,
) -> IncidentQuery:
    try:
        before_seq = decode_cursor(cursor) if cursor is not None else None
    except InvalidCursor:
        raise ApiError(
            422, "invalid_cursor", "the cursor is not one this API returned; list without it"
        ) from None
    try:
        since_utc, until_utc = as_utc(since), as_utc(until)
    except InvalidTime:
        raise ApiError(422, "invalid_time", "since/until is out of the supported range") from None
    if since_utc is not None and until_utc is not None and since_utc > until_utc:
        raise ApiError(422, "invalid_time_range", "since must not be later than until")
    return IncidentQuery(
        statuses=tuple(dict.fromkeys(status or ())),
        severities=tuple(dict.fromkeys(severity or ())),
        service=service,
        since=since_utc,
        until=until_utc,
        text=text or None,
        limit=limit,
        before_seq=before_seq,
    )


def queries_router(*, config: TocsinConfig, reader: IncidentReader) -> APIRouter:
    api = APIRouter(tags=["incidents"])
    viewer = Depends(require_role(config, Role.VIEWER))

    @api.get("/v1/incidents", responses=_ERRORS)
    async def list_incidents(
        _: Annotated[ApiToken, viewer],
        status: Annotated[
            list[IncidentStatus] | None, Query(description="any of these statuses")
        ] = None,
        severity: Annotated[list[Severity] | None, Query(description="any of these")] = None,
        service: Annotated[str | None, Query(max_length=200, pattern=_NO_NUL)] = None,
        since: Annotated[
            datetime | None, Query(description="triggered at or after (ISO-8601)")
        ] = None,
        until: Annotated[datetime | None, Query(description="triggered before (ISO-8601)")] = None,
        text: Annotated[
            str | None,
            Query(
                max_length=200,
                pattern=_NO_NUL,
                description="case-insensitive substring of the summary or the dedup key",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[
            str | None,
            Query(max_length=100, description="next_cursor of the previous page"),
        ] = None,
    ) -> IncidentPage:
        """Incidents, newest first; follow next_cursor until it is null."""
        query = _query(
            status=status,
            severity=severity,
            service=service,
            since=since,
            until=until,
            text=text,
            limit=limit,
            cursor=cursor,
        )
        return page_of(await reader.listing(query), limit=limit)

    @api.get(
        "/v1/incidents/{incident_id}",
        responses={**_ERRORS, 404: _problem("No such incident")},
    )
    async def get_incident(
        incident_id: UUID,
        _: Annotated[ApiToken, viewer],
        alerts_limit: Annotated[
            int, Query(ge=0, le=500, description="how many of the most recent alerts")
        ] = 50,
    ) -> IncidentDetail:
        """One incident with its whole timeline, its latest alerts and how many alerts it has."""
        detail = await reader.detail(incident_id, alerts_limit=alerts_limit)
        if detail is None:
            raise ApiError(404, "not_found", "no such incident")
        return detail

    return api
