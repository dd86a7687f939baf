"""What `tocsin demo` watches while its story plays: the pages (a real webhook receiver on the
demo service's channel, checking each page's HMAC signature) and the SLA events (read from the
SLA topic as the SLA monitor publishes them)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from aiokafka import AIOKafkaConsumer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tocsin_shared.contracts.envelope import EnvelopeError, from_kafka
from tocsin_shared.contracts.events import SlaEventData
from tocsin_shared.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

from .demo_setup import Pager
from .errors import CliError


@dataclass(frozen=True)
class Page:
    body: dict[str, Any]
    signed: bool  # the HMAC signature checked out with the channel's secret

    @property
    def incident(self) -> dict[str, Any]:
        incident = self.body.get("incident")
        return incident if isinstance(incident, dict) else {}

    @property
    def level(self) -> int | None:
        step = self.body.get("escalation")
        return step.get("level") if isinstance(step, dict) else None

    @property
    def user(self) -> str | None:
        recipient = self.body.get("recipient")
        return recipient.get("user") if isinstance(recipient, dict) else None


@dataclass
class Inbox:
    """Everything seen so far, and a way to wait for the first item that fits."""

    items: list[Any] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, item: Any) -> None:
        self.items.append(item)
        self._changed.set()

    async def first(self, fits: Callable[[Any], bool], *, timeout_s: float) -> Any | None:
        """The first item (already seen or still to come) that fits; None after the timeout."""
        deadline = time.monotonic() + timeout_s
        seen = 0
        while True:
            for item in self.items[seen:]:
                if fits(item):
                    return item
            seen = len(self.items)
            self._changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=left)


def _bound(pager: Pager) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in pager.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((pager.host, pager.port))
        # Listening now: a page sent before the server runs waits in the backlog.
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise CliError(
            f"cannot listen on {pager.url} for the pages ({exc.strerror}); is another"
            " `tocsin demo` running?",
            exit_code=2,
        ) from None
    return sock


@contextlib.asynccontextmanager
async def pager_inbox(pager: Pager) -> AsyncIterator[Inbox]:
    inbox = Inbox()

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            timestamp = int(request.headers.get(TIMESTAMP_HEADER, "0"))
            payload = json.loads(body)
        except ValueError:
            return JSONResponse({"ok": False}, status_code=400)
        signed = verify(
            pager.secret,
            timestamp=timestamp,
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            now=int(time.time()),
        )
        inbox.add(Page(payload, signed))
        return JSONResponse({"ok": True})

    sock = _bound(pager)
    app = Starlette(routes=[Route(pager.path, receive, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield inbox
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=5)
        sock.close()


@contextlib.asynccontextmanager
async def sla_inbox(bootstrap: str, topic: str) -> AsyncIterator[Inbox | None]:
    """SLA events from now on; None when the broker cannot be read (the story goes on)."""
    inbox = Inbox()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="latest",
        enable_auto_commit=False,
        request_timeout_ms=10_000,
    )
    try:
        await asyncio.wait_for(consumer.start(), timeout=15)
        # Resolve "latest" now, so every event of the story is read.
        for partition in consumer.assignment() or ():
            await consumer.position(partition)
    except Exception:
        with contextlib.suppress(Exception):
            await consumer.stop()
        yield None
        return

    async def read() -> None:
        async for record in consumer:
            headers = {k: v for k, v in record.headers}
            try:
                envelope = from_kafka(headers=headers, key=record.key, value=record.value)
            except EnvelopeError:
                continue
            if isinstance(envelope.data, SlaEventData):
                inbox.add(envelope.data)

    task = asyncio.create_task(read())
    try:
        yield inbox
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        with contextlib.suppress(Exception):
            await consumer.stop()
