"""`tocsin up` as a user runs it: it stops cleanly on SIGTERM leaving no process behind, and a
second `up` after a `kill -9` of the first cleans up, starts, and stops cleanly in turn."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from tocsin_cli.embedded import postmaster_pid
from tocsin_cli.services import SERVICES

from .system import Up, distinct_free_ports, start_up, wait_until_up

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


@dataclass
class Started:
    children: list[psutil.Process]
    postmaster: psutil.Process

    def all(self) -> list[psutil.Process]:
        return [*self.children, self.postmaster]


def processes_started_by(up: Up) -> Started:
    children = psutil.Process(up.process.pid).children(recursive=True)
    commands = " ".join(" ".join(c.cmdline()) for c in children)
    for spec in SERVICES:
        assert f"-m {spec.module}" in commands, f"{spec.name} is not running:\n{commands}"
    assert "tansu" in commands
    pid = postmaster_pid(up.state_dir / "pgdata")
    assert pid is not None, "no running postmaster for the state directory"
    return Started(children, psutil.Process(pid))


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def assert_all_gone(processes: list[psutil.Process], *, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not all(gone(p) for p in processes):
        time.sleep(0.1)
    left = [(p.pid, " ".join(p.cmdline())) for p in processes if not gone(p)]
    assert left == [], f"left running: {left}"


def stop(up: Up) -> int:
    up.process.send_signal(signal.SIGTERM)
    try:
        return up.process.wait(90)
    except subprocess.TimeoutExpired:
        up.process.kill()
        raise


@pytest.fixture
def ports() -> dict[str, int]:
    options = [s.port_option.removeprefix("--") for s in SERVICES] + ["kafka-port"]
    return dict(zip(options, distinct_free_ports(len(options)), strict=True))


@pytest.fixture
def reaper() -> Iterator[list[psutil.Process]]:
    """Processes a failed test must not leave behind."""
    tracked: list[psutil.Process] = []
    yield tracked
    for process in tracked:
        if not gone(process):
            process.kill()


def test_sigterm_stops_everything_up_started(
    tmp_path: Path, ports: dict[str, int], reaper: list[psutil.Process]
) -> None:
    up = start_up(tmp_path, ports=ports)
    reaper.append(psutil.Process(up.process.pid))
    wait_until_up(up)
    started = processes_started_by(up)
    reaper.extend(started.all())

    assert stop(up) == 0, up.output()
    assert_all_gone(started.all())
    assert not (up.state_dir / "up.json").exists()


def test_a_second_up_after_kill_9_starts_and_stops_cleanly(
    tmp_path: Path, ports: dict[str, int], reaper: list[psutil.Process]
) -> None:
    first = start_up(tmp_path, ports=ports, run="first")
    reaper.append(psutil.Process(first.process.pid))
    wait_until_up(first)
    left_by_first = processes_started_by(first)
    reaper.extend(left_by_first.all())

    first.process.kill()
    first.process.wait()

    second = start_up(tmp_path, ports=ports, run="second")
    reaper.append(psutil.Process(second.process.pid))
    wait_until_up(second)
    started = processes_started_by(second)
    reaper.extend(started.all())
    assert_all_gone(left_by_first.children)

    assert stop(second) == 0, second.output()
    assert_all_gone(left_by_first.all() + started.all())
    assert not (second.state_dir / "up.json").exists()
