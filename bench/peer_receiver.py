"""The peer benchmark's webhook receiver, in its own process so that neither side's pages wait on
the load generator: records, per alert key, when its first webhook arrived (wall clock), and
counts webhooks per phase tag. `Receiver` starts and stops it from the bench.

`python bench/peer_receiver.py --port N`; POST /hook (Alertmanager or Tocsin body),
GET /count?tag=T -> {"keys", "posts", "alerts"}, GET /first?tag=T -> {key: arrival}.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent


def app() -> Any:
    from peer_common import key_tag, webhook_keys
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    first: dict[str, dict[str, float]] = {}
    posts: Counter[str] = Counter()
    alerts: Counter[str] = Counter()

    async def hook(request: Request) -> JSONResponse:
        arrived = time.time()
        keys = webhook_keys(json.loads(await request.body()))
        for tag in {key_tag(k) for k in keys}:
            posts[tag] += 1
        for key in keys:
            tag = key_tag(key)
            alerts[tag] += 1
            first.setdefault(tag, {}).setdefault(key, arrived)
        return JSONResponse({"ok": True})

    async def count(request: Request) -> JSONResponse:
        tag = request.query_params["tag"]
        return JSONResponse(
            {"keys": len(first.get(tag, {})), "posts": posts[tag], "alerts": alerts[tag]}
        )

    async def first_of(request: Request) -> JSONResponse:
        return JSONResponse(first.get(request.query_params["tag"], {}))

    return Starlette(
        routes=[
            Route("/hook", hook, methods=["POST"]),
            Route("/count", count),
            Route("/first", first_of),
        ]
    )


class Receiver:
    """The receiver process, in its own process group (stopped with it, whatever happens)."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "peer_receiver.py"), "--port", str(port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/count?tag=x", timeout=2).is_success:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("the webhook receiver did not start")

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()


def stop_group(process: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    """SIGTERM to the process group, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            continue
    if process.poll() is None:
        process.kill()
        process.wait(5)


def main() -> None:
    import uvicorn

    cli = argparse.ArgumentParser()
    cli.add_argument("--port", type=int, required=True)
    port = cli.parse_args().port
    sys.path.insert(0, str(HERE))
    uvicorn.run(
        app(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        backlog=8192,
        lifespan="off",
    )


if __name__ == "__main__":
    main()
