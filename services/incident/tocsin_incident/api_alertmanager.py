"""Prometheus Alertmanager webhook receiver (webhook_configs, version 4).

`POST /v1/integrations/alertmanager` with the integration key as `Authorization: Bearer <key>`
(Alertmanager's `http_config.authorization`), or `POST /v1/integrations/alertmanager/{key}` for
senders that cannot set headers. Only keys of integrations of kind `alertmanager` are accepted.
Errors use Tocsin's own problem shape; anything that parses is accepted (Alertmanager re-sends a
4xx-rejected payload forever).
"""

# No `from __future__ import annotations`: FastAPI resolves the route signatures at import time.

import json
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import IntegrationKind, TocsinConfig
from tocsin_shared.contracts.topics import ALERTS_RAW
from tocsin_shared.http.auth import bearer
from tocsin_shared.http.errors import problem

from .compat.alertmanager import WebhookMessage, to_raw_alerts
from .compat.common import described, integration_of_kind, produce, request_body
from .deps import Deps
from .ports import AlertSink


def router(deps: Deps) -> APIRouter:
    return alertmanager_router(
        config=deps.config,
        sink=lambda: deps.runtime.producer,
        raw_topic=deps.runtime.topic(ALERTS_RAW),
        clock=deps.clock,
    )


def alertmanager_router(
    *, config: TocsinConfig, sink: Callable[[], AlertSink], raw_topic: str, clock: Clock
) -> APIRouter:
    router = APIRouter(tags=["ingest: alertmanager"])
    schema = request_body(WebhookMessage)
    answers = described(
        {
            202: "accepted: one raw alert per alert (or per group with dedup_by group_key)",
            400: "malformed JSON",
            401: "no valid key of an alertmanager integration",
            422: "not an Alertmanager webhook message",
            503: "broker unavailable; retry",
        }
    )

    async def receive(request: Request, presented: str | None) -> JSONResponse:
        integration = integration_of_kind(config, presented, IntegrationKind.ALERTMANAGER)
        if integration is None:
            return problem(401, "unauthenticated", "a valid integration key is required")
        try:
            body = json.loads(await request.body())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return problem(400, "malformed_json", "the body is not valid JSON")
        try:
            message = WebhookMessage.model_validate(body)
        except ValidationError as exc:
            details = [
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors(include_url=False, include_input=False)
            ]
            return problem(
                422, "invalid_payload", "not an Alertmanager webhook message", details=details
            )
        raws = to_raw_alerts(message, integration=integration, now=clock.now())
        try:
            await produce(sink(), raws, topic=raw_topic)
        except Exception:
            return JSONResponse(
                {"error": {"code": "unavailable", "message": "broker unavailable, retry"}},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        return JSONResponse(
            {
                "status": "accepted",
                "alerts": [
                    {"alert_id": str(r.alert_id), "dedup_key": r.dedup_key, "action": r.action}
                    for r in raws
                ],
            },
            status_code=202,
        )

    @router.post(
        "/v1/integrations/alertmanager", status_code=202, openapi_extra=schema, responses=answers
    )
    async def with_bearer(request: Request) -> JSONResponse:
        return await receive(request, bearer(request))

    @router.post(
        "/v1/integrations/alertmanager/{key}",
        status_code=202,
        openapi_extra=schema,
        responses=answers,
    )
    async def with_key_in_path(key: str, request: Request) -> JSONResponse:
        return await receive(request, key)

    return router
