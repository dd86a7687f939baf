"""Child processes of `tocsin up`: started so they die with it, restarted when they crash,
stopped with SIGTERM and, past a deadline, SIGKILL."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

log = logging.getLogger("tocsin.up")

# Runs in the child before exec: PR_SET_PDEATHSIG survives exec, so the real program gets SIGTERM
# when `tocsin up` dies, even by SIGKILL. The ppid check closes the race of a parent that died
# before prctl ran. A wrapper rather than preexec_fn, which is unsafe once threads exist.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
    "os.getppid() == int(sys.argv[1]) or sys.exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def die_with_parent_launcher() -> tuple[str, ...]:
    """A command prefix that makes the command get SIGTERM when this process dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return ()
    return (sys.executable, "-S", "-c", _DIE_WITH_PARENT, str(os.getpid()))


async def probe(client: httpx.AsyncClient, base_url: str) -> str:
    """ "ready" once /healthz and /readyz both answer 200, else what stands in the way."""
    try:
        health = await client.get(f"{base_url}/healthz")
        if health.status_code != 200:
            return f"/healthz answered {health.status_code}"
        ready = await client.get(f"{base_url}/readyz")
    except httpx.HTTPError as exc:
        return f"not answering ({type(exc).__name__})"
    return "ready" if ready.status_code == 200 else f"/readyz: {ready.text[:200]}"


def log_tail(path: Path, *, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None

    def start(self) -> None:
        # Popen from the main thread only: PDEATHSIG fires when the *thread* that forked exits.
        with open(self.log_path, "ab") as out:
            out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [*die_with_parent_launcher(), *self.argv],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic()
        self.restart_at = None

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def signal_group(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)


@dataclass
class Supervisor:
    children: list[Child]
    healthy_after_s: float = 30.0
    max_backoff_s: float = 15.0
    stopping: bool = field(default=False, init=False)

    def start_all(self) -> None:
        for child in self.children:
            child.start()

    def exited(self) -> list[Child]:
        return [c for c in self.children if c.exit_code() is not None]

    def check(self) -> list[Child]:
        """Schedule a restart for each child that died, start those due; return the restarted."""
        now = time.monotonic()
        restarted = []
        for child in self.children:
            code = child.exit_code()
            if self.stopping or code is None:
                continue
            if child.restart_at is None:
                ran_s = now - child.started_at
                child.failures = 0 if ran_s >= self.healthy_after_s else child.failures + 1
                delay = min(0.5 * 2**child.failures, self.max_backoff_s)
                child.restart_at = now + delay
                log.warning(
                    "%s exited with code %s after %.1fs; restarting in %.1fs (log: %s)",
                    child.name, code, ran_s, delay, child.log_path,
                )  # fmt: skip
            elif now >= child.restart_at:
                child.start()
                log.info("%s restarted (pid %s)", child.name, child.process and child.process.pid)
                restarted.append(child)
        return restarted

    def stop_all(self, *, timeout_s: float) -> None:
        """SIGTERM everyone at once, SIGKILL whoever is still there at the deadline."""
        self.stopping = True
        for child in self.children:
            child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0fs; killing it", child.name, timeout_s)
                child.signal_group(signal.SIGKILL)
                child.process.wait()
