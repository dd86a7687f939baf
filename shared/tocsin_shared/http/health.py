"""`/healthz` (process alive), `/readyz` (database and broker reachable), `/metrics`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

Check = Callable[[], Awaitable[bool]]


def health_router(*, checks: dict[str, Check], registry: CollectorRegistry) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results = {name: await check() for name, check in checks.items()}
        ready = all(results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics")
    async def metrics() -> Response:
        # The process-wide registry holds the module-level metrics (retries, dead letters, timer
        # lateness, alert and notification counters) and the process/GC collectors.
        shared = b"" if registry is REGISTRY else generate_latest(REGISTRY)
        return Response(generate_latest(registry) + shared, media_type=CONTENT_TYPE_LATEST)

    return router
