"""Opsgenie Alert API compatible: create, close and acknowledge, with `GenieKey` auth.

`POST /v2/alerts`, `POST /v2/alerts/{identifier}/close`, `POST /v2/alerts/{identifier}/acknowledge`
(`identifierType=id|alias|tiny`, default id). Only keys of integrations of kind `opsgenie` are
accepted. Answers are Opsgenie's: 202 `{"result": "Request will be processed", ...}`, errors as
`{"message": ..., "took": ..., "requestId": ...}` with 401 or 422.
"""

# No `from __future__ import annotations`: FastAPI resolves the route signatures at import time.

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import Integration, IntegrationKind, TocsinConfig
from tocsin_shared.contracts.alerts import AlertAction, RawAlertV1
from tocsin_shared.contracts.topics import ALERTS_RAW

from .compat.common import described, integration_of_kind, produce, request_body
from .compat.opsgenie import (
    OgAction,
    OgCreate,
    UnknownIdentifier,
    action_to_raw,
    alert_id_for,
    alias_for,
    create_to_raw,
    field_errors,
    genie_key,
    reply,
)
from .deps import Deps
from .ports import AlertSink

M = TypeVar("M", bound=BaseModel)
NOT_PROCESSABLE = "Request body is not processable. Please check the errors."


def router(deps: Deps) -> APIRouter:
    return opsgenie_router(
        config=deps.config,
        sink=lambda: deps.runtime.producer,
        raw_topic=deps.runtime.topic(ALERTS_RAW),
        clock=deps.clock,
    )


class _Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body


def opsgenie_router(
    *, config: TocsinConfig, sink: Callable[[], AlertSink], raw_topic: str, clock: Clock
) -> APIRouter:
    router = APIRouter(tags=["ingest: opsgenie"])
    answers = described(
        {
            202: '{"result": "Request will be processed", "took": ..., "requestId": ...}',
            401: "no valid GenieKey of an opsgenie integration",
            422: '{"message": ..., "took": ..., "requestId": ...} (Opsgenie\'s error shape)',
            503: "broker unavailable; retry",
        }
    )

    def authenticated(request: Request, started: float) -> Integration:
        presented = genie_key(request.headers.get("authorization", ""))
        integration = integration_of_kind(config, presented, IntegrationKind.OPSGENIE)
        if integration is None:
            raise _Refused(401, reply(started, message="Could not authenticate"))
        return integration

    async def parsed(request: Request, model: type[M], started: float) -> M:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            refusal = reply(started, message=NOT_PROCESSABLE, errors={"body": "not valid JSON"})
            raise _Refused(422, refusal) from exc
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            refusal = reply(started, message=NOT_PROCESSABLE, errors=field_errors(exc))
            raise _Refused(422, refusal) from exc

    async def accept(raw: RawAlertV1, started: float) -> JSONResponse:
        try:
            await produce(sink(), [raw], topic=raw_topic)
        except Exception:
            body = reply(started, message="Temporarily unavailable, retry")
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
        body = reply(
            started,
            result="Request will be processed",
            alertId=alert_id_for(raw.dedup_key),
            alias=raw.dedup_key,
        )
        return JSONResponse(body, status_code=202)

    @router.post(
        "/v2/alerts", status_code=202, openapi_extra=request_body(OgCreate), responses=answers
    )
    async def create(request: Request) -> JSONResponse:
        started = time.perf_counter()
        try:
            integration = authenticated(request, started)
            alert = await parsed(request, OgCreate, started)
        except _Refused as refused:
            return JSONResponse(refused.body, status_code=refused.status)
        return await accept(create_to_raw(alert, integration=integration, now=clock.now()), started)

    async def follow_up(
        request: Request, identifier: str, identifier_type: str, action: AlertAction
    ) -> JSONResponse:
        started = time.perf_counter()
        try:
            integration = authenticated(request, started)
            try:
                alias = alias_for(identifier, identifier_type)
            except UnknownIdentifier as exc:
                raise _Refused(422, reply(started, message=str(exc))) from exc
            body = await parsed(request, OgAction, started)
        except _Refused as refused:
            return JSONResponse(refused.body, status_code=refused.status)
        raw = action_to_raw(
            body, action=action, alias=alias, integration=integration, now=clock.now()
        )
        return await accept(raw, started)

    @router.post(
        "/v2/alerts/{identifier}/close",
        status_code=202,
        openapi_extra=request_body(OgAction, required=False),
        responses=answers,
    )
    async def close(
        identifier: str,
        request: Request,
        identifierType: str = "id",
    ) -> JSONResponse:
        return await follow_up(request, identifier, identifierType, AlertAction.RESOLVE)

    @router.post(
        "/v2/alerts/{identifier}/acknowledge",
        status_code=202,
        openapi_extra=request_body(OgAction, required=False),
        responses=answers,
    )
    async def acknowledge(
        identifier: str,
        request: Request,
        identifierType: str = "id",
    ) -> JSONResponse:
        return await follow_up(request, identifier, identifierType, AlertAction.ACKNOWLEDGE)

    return router
