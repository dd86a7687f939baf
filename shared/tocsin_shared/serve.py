"""Run one service process: logs, traces, then uvicorn (which turns SIGTERM into a clean stop)."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from .http.limits import BodyLimitMiddleware
from .observability.logging import configure_logging
from .observability.tracing import configure_tracing
from .settings import ServiceSettings


def serve(settings: ServiceSettings, *, service: str, build: Callable[[], FastAPI]) -> None:
    configure_logging(service=service, level=settings.log_level, json=settings.log_json)
    configure_tracing(service=service, file_path=settings.trace_file)
    app = BodyLimitMiddleware(build())
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=20,
        server_header=False,
    )
    uvicorn.Server(config).run()
