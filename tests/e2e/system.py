"""Run the whole system with `tocsin up` (embedded Postgres and Tansu) in a scratch directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from tocsin_cli.embedded import free_port

from ..conftest import REPO

SERVICES = ("incident", "problem", "sla-monitor", "notifier")


@dataclass
class System:
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    kafka_port: int
    state_dir: Path

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def logs(self) -> str:
        parts = []
        for log in sorted((self.state_dir / "logs").glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


async def _all_ready(system: System, *, timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    async with httpx.AsyncClient(timeout=2) as client:
        while asyncio.get_running_loop().time() < deadline:
            if system.process.poll() is not None:
                raise AssertionError(f"tocsin up exited early\n{system.logs()}")
            ready = 0
            for service in SERVICES:
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(f"{system.url(service)}/readyz")
                    ready += response.status_code == 200
            if ready == len(SERVICES):
                return
            await asyncio.sleep(0.5)
    raise AssertionError(f"services not ready within {timeout_s}s\n{system.logs()}")


@contextlib.asynccontextmanager
async def running_system(tmp: Path, *, config_text: str) -> AsyncIterator[System]:
    config = tmp / "tocsin.yaml"
    config.write_text(config_text)
    ports = {service: free_port() for service in SERVICES}
    kafka_port = free_port()
    args = [
        sys.executable, "-m", "tocsin_cli.main", "up",
        "--config", str(config),
        "--state-dir", str(tmp / "state"),
        "--kafka-port", str(kafka_port),
    ]
    for service, port in ports.items():
        args += [f"--{service}-port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    log = open(tmp / "up.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    system = System(process, ports, kafka_port, tmp / "state")
    try:
        await _all_ready(system, timeout_s=90)
        yield system
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 60)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
