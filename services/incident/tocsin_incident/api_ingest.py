"""Native ingest: `POST /v1/alerts`. Validate, authenticate, produce to the raw topic, 202."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies
# (local `viewer`/`responder` guards) at import time, or it treats them as query parameters.

import json
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.topics import ALERTS_RAW
from tocsin_shared.http.auth import bearer, integration_for
from tocsin_shared.http.errors import problem

from .compat.common import produce
from .deps import Deps
from .ingest import NativeAlert, NativeBatch, to_raw
from .ports import AlertSink


def _validation_details(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


def router(deps: Deps) -> APIRouter:
    return ingest_router(
        config=deps.config,
        sink=lambda: deps.runtime.producer,
        raw_topic=deps.runtime.topic(ALERTS_RAW),
        clock=deps.clock,
    )


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
            await produce(sink(), raws, topic=raw_topic)
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
