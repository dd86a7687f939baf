"""HTTP entry points: translate the request, call the edge or a handler, translate the answer."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies
# (local `viewer`/`responder` guards) at import time, or it treats them as query parameters.

import json
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.contracts.events import Actor
from tocsin_shared.http.auth import bearer, integration_for, require_role
from tocsin_shared.http.errors import ApiError, problem

from .adapters.postgres import incident_detail, list_incidents
from .domain.model import Command, IllegalTransition
from .handlers import IncidentNotFound, change_status
from .ingest import NativeAlert, NativeBatch, to_raw, to_record
from .ports import AlertSink, IncidentFilter, UnitOfWork

PoolGetter = Callable[[], Any]


def _validation_details(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


def ingest_router(
    *, config: TocsinConfig, sink: Callable[[], AlertSink], raw_topic: str, clock: Clock
) -> APIRouter:
    router = APIRouter(tags=["ingest"])

    @router.post(
        "/v1/alerts",
        status_code=202,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                NativeAlert.model_json_schema(),
                                NativeBatch.model_json_schema(),
                            ]
                        }
                    }
                },
            }
        },
    )
    async def post_alerts(request: Request) -> JSONResponse:
        integration = integration_for(config, bearer(request))
        try:
            body = json.loads(await request.body())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return problem(400, "malformed_json", "the body is not valid JSON")
        try:
            if isinstance(body, dict) and "alerts" in body:
                alerts = NativeBatch.model_validate(body).alerts
            else:
                alerts = [NativeAlert.model_validate(body)]
        except ValidationError as exc:
            return problem(
                422, "invalid_alert", "the alert is not valid", details=_validation_details(exc)
            )
        now = clock.now()
        raws = [to_raw(a, integration=integration, now=now) for a in alerts]
        try:
            await sink().send_all([to_record(r, topic=raw_topic) for r in raws])
        except Exception:
            return JSONResponse(
                {"error": {"code": "unavailable", "message": "broker unavailable, retry"}},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        warnings = [
            {"dedup_key": r.dedup_key, "warning": "summary truncated to 1024 characters"}
            for r in raws
            if r.summary_truncated
        ]
        return JSONResponse(
            {
                "status": "accepted",
                "alerts": [{"alert_id": str(r.alert_id), "dedup_key": r.dedup_key} for r in raws],
                "warnings": warnings,
            },
            status_code=202,
        )

    return router


def incidents_router(
    *,
    config: TocsinConfig,
    pool: PoolGetter,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
) -> APIRouter:
    router = APIRouter(tags=["incidents"])
    viewer = Depends(require_role(config, Role.VIEWER))
    responder = Depends(require_role(config, Role.RESPONDER))

    @router.get("/v1/incidents")
    async def get_incidents(
        _: Annotated[ApiToken, viewer],
        status: Annotated[str | None, Query(pattern="^(triggered|acknowledged|resolved)$")] = None,
        service: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[int | None, Query(ge=0)] = None,
    ) -> dict[str, Any]:
        rows = await list_incidents(
            pool(), IncidentFilter(status=status, service=service, limit=limit, before_seq=cursor)
        )
        next_cursor = rows[-1]["created_seq"] if len(rows) == limit else None
        for row in rows:
            row.pop("created_seq", None)
        return {"incidents": rows, "next_cursor": next_cursor}

    @router.get("/v1/incidents/{incident_id}")
    async def get_incident(incident_id: UUID, _: Annotated[ApiToken, viewer]) -> dict[str, Any]:
        detail = await incident_detail(pool(), incident_id)
        if detail is None:
            raise ApiError(404, "not_found", "no such incident")
        return detail

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

    @router.post("/v1/incidents/{incident_id}/acknowledge")
    async def acknowledge(
        incident_id: UUID, token: Annotated[ApiToken, responder]
    ) -> dict[str, Any]:
        return await _command(incident_id, Command.ACKNOWLEDGE, token)

    @router.post("/v1/incidents/{incident_id}/resolve")
    async def resolve(incident_id: UUID, token: Annotated[ApiToken, responder]) -> dict[str, Any]:
        return await _command(incident_id, Command.RESOLVE, token)

    return router
