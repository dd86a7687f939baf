"""`<state-dir>/up.json`: what a running `tocsin up` started, so that the next one can clean up
after a `kill -9`; and the port checks that decide whether a start can go ahead.

A recorded process is only ever signalled when its pid *and* its start time still match, so a
pid the kernel has since handed to an unrelated process is left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from .errors import CliError

_SAME_START_S = 0.05


@dataclass(frozen=True)
class ProcessRecord:
    name: str
    pid: int
    create_time: float

    @classmethod
    def of(cls, name: str, pid: int) -> ProcessRecord:
        return cls(name, pid, psutil.Process(pid).create_time())

    @classmethod
    def find(cls, name: str, pid: int) -> ProcessRecord | None:
        """The record of a process that runs now, else None."""
        try:
            record = cls.of(name, pid)
        except psutil.Error:
            return None
        return record if record.live() else None

    def live(self) -> psutil.Process | None:
        """The recorded process if it still runs (not merely the same pid)."""
        try:
            process = psutil.Process(self.pid)
            same = abs(process.create_time() - self.create_time) < _SAME_START_S
            if same and process.status() != psutil.STATUS_ZOMBIE:
                return process
        except psutil.Error:
            pass
        return None


@dataclass
class UpState:
    owner: ProcessRecord
    children: list[ProcessRecord] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> UpState | None:
        try:
            raw = json.loads(path.read_text())
            return cls(
                owner=ProcessRecord(**raw["owner"]),
                children=[ProcessRecord(**c) for c in raw["children"]],
                ports={str(k): int(v) for k, v in raw["ports"].items()},
            )
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise CliError(f"{path} is unreadable ({exc}); delete it if no tocsin up runs") from exc


def reap_leftovers(state: UpState, *, state_path: Path, timeout_s: float) -> list[ProcessRecord]:
    """Stop what a dead `tocsin up` left running; refuse if that `tocsin up` is still alive."""
    if state.owner.pid != os.getpid() and state.owner.live() is not None:
        raise CliError(
            f"tocsin up is already running (pid {state.owner.pid}) with this state directory "
            f"({state_path.parent}); stop it first or pick another --state-dir"
        )
    found = [(r, p) for r in state.children if (p := r.live()) is not None]
    for _, process in found:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, alive = psutil.wait_procs([p for _, p in found], timeout=timeout_s)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=5)
    return [r for r, _ in found]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    with socket.socket() as probe:
        probe.settimeout(0.3)
        return probe.connect_ex((host, port)) == 0


def wait_ports_free(ports: list[int], *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while any(port_in_use(p) for p in ports) and time.monotonic() < deadline:
        time.sleep(0.1)


def _holder(port: int) -> str:
    with contextlib.suppress(psutil.Error, OSError):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                if conn.pid is None:
                    return ""
                return f" by pid {conn.pid} ({psutil.Process(conn.pid).name()})"
    return ""


def check_ports(wanted: dict[str, int]) -> None:
    """Fail fast, naming the port and the option that moves it, if something else holds one.

    `wanted` maps each command-line option to its port.
    """
    ports = list(wanted.values())
    if len(set(ports)) != len(ports):
        raise CliError(f"two options name the same port: {wanted}")
    for option, port in wanted.items():
        if port_in_use(port):
            env = "TOCSIN_" + option.removeprefix("--").replace("-", "_").upper()
            raise CliError(
                f"port {port} is already in use{_holder(port)}; "
                f"choose another with {option} or {env}"
            )
