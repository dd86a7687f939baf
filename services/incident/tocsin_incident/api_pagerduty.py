"""PagerDuty Events API v2 compatible: `POST /v2/enqueue` (and `/v2/enqueue/`, `/enqueue`).

The `routing_key` in the body is the key of an integration of kind `pagerduty`; an unknown key
is answered as PagerDuty answers an invalid event (400, "Invalid routing key"). Each integration
is throttled by a token bucket (`rate_limit_per_s`, `rate_limit_burst`): 429 when it runs dry.
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

from .compat.common import Throttle, described, integration_of_kind, produce, request_body
from .compat.pagerduty import PdEvent, accepted, event_errors, invalid, routing_key_of, to_raw
from .deps import Deps
from .ports import AlertSink


def router(deps: Deps) -> APIRouter:
    return pagerduty_router(
        config=deps.config,
        sink=lambda: deps.runtime.producer,
        raw_topic=deps.runtime.topic(ALERTS_RAW),
        clock=deps.clock,
    )


def pagerduty_router(
    *,
    config: TocsinConfig,
    sink: Callable[[], AlertSink],
    raw_topic: str,
    clock: Clock,
    throttle: Throttle | None = None,
) -> APIRouter:
    router = APIRouter(tags=["ingest: pagerduty"])
    bucket = throttle or Throttle()

    async def enqueue(request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return JSONResponse(invalid(["Malformed JSON: the body is not valid JSON"]), 400)
        try:
            event = PdEvent.model_validate(body)
        except ValidationError as exc:
            return JSONResponse(invalid(event_errors(exc)), 400)
        integration = integration_of_kind(config, routing_key_of(body), IntegrationKind.PAGERDUTY)
        if integration is None:
            return JSONResponse(invalid(["Invalid routing key"]), 400)
        if not bucket.allow(integration):
            return JSONResponse(
                {"status": "throttle event", "message": "Too many events for this routing key"},
                status_code=429,
                headers={"Retry-After": "1"},
            )
        raw = to_raw(event, integration=integration, now=clock.now())
        try:
            await produce(sink(), [raw], topic=raw_topic)
        except Exception:
            return JSONResponse(
                {"status": "unavailable", "message": "broker unavailable, retry"},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        return JSONResponse(accepted(raw.dedup_key), status_code=202)

    for path in ("/v2/enqueue", "/v2/enqueue/", "/enqueue"):
        router.add_api_route(
            path,
            enqueue,
            methods=["POST"],
            status_code=202,
            operation_id=f"pagerduty_enqueue{path.replace('/', '_')}",
            include_in_schema=path == "/v2/enqueue",
            openapi_extra=request_body(PdEvent),
            responses=described(
                {
                    202: '{"status": "success", "message": "Event processed", "dedup_key": ...}',
                    400: '{"status": "invalid event", "message": ..., "errors": [...]}',
                    429: "throttled: too many events for this routing key; retry later",
                    503: "broker unavailable; retry",
                }
            ),
        )
    return router
