"""Processes of the peer benchmark: Alertmanager on loopback, and a psutil meter of a process
tree's peak RSS and CPU seconds (split into the services and the embedded infrastructure)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
from peer_common import am_config
from peer_receiver import stop_group

BINARIES = ("prometheus-alertmanager", "alertmanager")
INFRA = ("postgres", "tansu")


def alertmanager_binary() -> str:
    """The Alertmanager binary; installs the Debian package when absent (as root)."""
    found = next((f for name in BINARIES if (f := shutil.which(name))), None)
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        install = "apt-get update && apt-get install -y prometheus-alertmanager"
        subprocess.run(["sh", "-c", install], capture_output=True, timeout=600, check=False)
        found = next((f for name in BINARIES if (f := shutil.which(name))), None)
    if found is None:
        raise RuntimeError("prometheus-alertmanager is absent (apt-get install it)")
    return found


def alertmanager_version(binary: str) -> str:
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else "?"


class Alertmanager:
    """Alertmanager on a loopback port, clustering off, its own process group."""

    def __init__(self, scratch: Path, *, port: int, receiver_url: str) -> None:
        self.binary = alertmanager_binary()
        self.version = alertmanager_version(self.binary)
        self.port = port
        config = scratch / "alertmanager.yml"
        config.write_text(am_config(receiver_url))
        args = [self.binary, f"--config.file={config}", f"--storage.path={scratch / 'am-data'}"]
        args += [f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="]
        self.log = (scratch / "alertmanager.log").open("wb")
        self.process = subprocess.Popen(
            args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("Alertmanager did not become ready (see alertmanager.log)")

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()


def _is_infra(proc: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        text = " ".join([proc.name(), *proc.cmdline()[:1]]).lower()
        return any(name in text for name in INFRA)
    return False


class Meter:
    """Samples a process tree every `interval_s` in a thread: peak RSS (all, and without the
    infrastructure) and CPU seconds per process, kept after a process exits."""

    def __init__(self, roots: Callable[[], list[int]], interval_s: float = 0.5) -> None:
        self.roots, self.interval_s = roots, interval_s
        self.peak_rss = {"all": 0, "services": 0}
        self.peak_pss = {"all": 0, "services": 0}
        self.cpu: dict[tuple[int, float], tuple[bool, float]] = {}  # (pid, start) -> infra, s
        self.seen: set[tuple[int, float]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Meter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def processes(self) -> list[psutil.Process]:
        found: dict[int, psutil.Process] = {}
        for pid in self.roots():
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                for proc in [root, *root.children(recursive=True)]:
                    found[proc.pid] = proc
        return list(found.values())

    def sample(self) -> None:
        rss = {"all": 0, "services": 0}
        pss = {"all": 0, "services": 0}
        for proc in self.processes():
            with contextlib.suppress(psutil.Error):
                with proc.oneshot():
                    ident = (proc.pid, proc.create_time())
                    infra = _is_infra(proc)
                    memory = proc.memory_full_info()
                    times = proc.cpu_times()
                self.seen.add(ident)
                self.cpu[ident] = (infra, times.user + times.system)
                for kind in ("all", "services"):
                    if kind == "all" or not infra:
                        rss[kind] += memory.rss
                        pss[kind] += memory.pss
        for k in rss:
            self.peak_rss[k] = max(self.peak_rss[k], rss[k])
            self.peak_pss[k] = max(self.peak_pss[k], pss[k])

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds so far: all, and the services alone."""
        self.sample()
        total = sum(s for _, s in self.cpu.values())
        services = sum(s for infra, s in self.cpu.values() if not infra)
        return {"all": round(total, 2), "services": round(services, 2)}

    def peak_rss_mib(self) -> dict[str, float]:
        return {k: round(v / 2**20, 1) for k, v in self.peak_rss.items()}

    def peak_pss_mib(self) -> dict[str, float]:
        """PSS counts shared memory (Postgres' shared buffers) once across processes."""
        return {k: round(v / 2**20, 1) for k, v in self.peak_pss.items()}

    def left_running(self) -> list[str]:
        """Processes this meter saw that are still alive (same pid and start time)."""
        alive = []
        for pid, started in self.seen:
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(pid)
                if proc.create_time() == started and proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{pid} {proc.name()}")
        return alive
