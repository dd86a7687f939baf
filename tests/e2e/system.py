"""Run the whole system with `tocsin up` (embedded Postgres and Tansu) in a scratch directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from tocsin_cli.embedded import free_port
from tocsin_cli.services import SERVICES

CONFIG = """
services:
  - name: checkout
integrations:
  - name: prom
    service: checkout
    key: "k"
"""
READY_TIMEOUT_S = 150


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    out: Path
    state_dir: Path
    ports: dict[str, int]

    def output(self) -> str:
        parts = [f"--- tocsin up\n{self.out.read_text(errors='replace')}"]
        for log in sorted((self.state_dir / "logs").glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)


def distinct_free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


def start_up(
    tmp: Path,
    *,
    ports: dict[str, int],
    run: str = "up",
    config_text: str = CONFIG,
    env: dict[str, str] | None = None,
) -> Up:
    """Start `tocsin up` as a user would, in `tmp`, with a clean environment (plus `env`)."""
    config = tmp / "tocsin.yaml"
    config.write_text(config_text)
    args = [sys.executable, "-m", "tocsin_cli", "up", "--config", str(config)]
    args += ["--state-dir", str(tmp / "state")]
    for option, port in ports.items():
        args += [f"--{option}", str(port)]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    with open(tmp / f"{run}.out", "wb") as out:
        process = subprocess.Popen(
            args, cwd=tmp, env={**clean, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
        )
    return Up(process, tmp / f"{run}.out", tmp / "state", ports)


def wait_until_up(up: Up) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while "Ctrl-C to stop" not in up.out.read_text(errors="replace"):
        assert up.process.poll() is None, f"tocsin up exited early\n{up.output()}"
        assert time.monotonic() < deadline, f"tocsin up not ready\n{up.output()}"
        time.sleep(0.3)
    for spec in SERVICES:
        base = f"http://127.0.0.1:{up.ports[spec.port_option.removeprefix('--')]}"
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200, spec.name


@dataclass
class System:
    up: Up

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.up.ports[f'{service}-port']}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.up.ports['kafka-port']}"


@contextlib.asynccontextmanager
async def running_system(
    tmp: Path, *, config_text: str, env: dict[str, str] | None = None
) -> AsyncIterator[System]:
    names = [spec.port_option.removeprefix("--") for spec in SERVICES] + ["kafka-port"]
    ports = dict(zip(names, distinct_free_ports(len(names)), strict=True))
    up = await asyncio.to_thread(start_up, tmp, ports=ports, config_text=config_text, env=env)
    try:
        await asyncio.to_thread(wait_until_up, up)
        yield System(up)
    finally:
        if up.process.poll() is None:
            up.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(up.process.wait, 60)
            except subprocess.TimeoutExpired:
                up.process.kill()
