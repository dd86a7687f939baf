"""A real HTTP webhook receiver on loopback that records what it gets and answers as scripted."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tocsin_cli.embedded import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int
    received: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    default_status: int = 200
    delay_s: float = 0.0  # answer this late: keeps sends in flight

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/page"

    async def _page(self, request: Request) -> JSONResponse:
        self.received.append(Received(dict(request.headers), await request.body()))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status = self.script.pop(0) if self.script else self.default_status
        return JSONResponse({"ok": status < 300}, status_code=status)


@contextlib.asynccontextmanager
async def running_receiver(**kwargs: Any) -> AsyncIterator[Receiver]:
    receiver = Receiver(port=free_port(), **kwargs)
    app = Starlette(routes=[Route("/page", receiver._page, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=receiver.port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
