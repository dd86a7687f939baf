"""Serve an ASGI app with uvicorn on a free port, in a thread, as a real HTTP server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn
from tocsin_shared.http.limits import BodyLimitMiddleware


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@contextlib.contextmanager
def serving(app: Any, *, ready_timeout_s: float = 60.0) -> Iterator[str]:
    """The base URL of `app` served like `tocsin serve` does, once /readyz answers 200."""
    port = free_port()
    config = uvicorn.Config(
        BodyLimitMiddleware(app), host="127.0.0.1", port=port, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, timeout_s=ready_timeout_s)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _wait_ready(base_url: str, *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if client.get("/readyz").status_code == 200:
                    return
            time.sleep(0.2)
    raise AssertionError(f"{base_url} did not become ready within {timeout_s}s")
