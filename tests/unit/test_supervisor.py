"""The process plumbing of `tocsin up`, with real processes: dying with the parent, restarting,
stopping, cleaning up after a `kill -9`, and refusing ports that something else holds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from tocsin_cli.errors import CliError
from tocsin_cli.state import ProcessRecord, UpState, check_ports, reap_leftovers
from tocsin_cli.supervisor import Child, Supervisor, die_with_parent_launcher

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")


def wait_until(check: Callable[[], object], *, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s")
        time.sleep(0.05)


def python_child(tmp_path: Path, name: str, *, code: str) -> Child:
    return Child(
        name=name,
        argv=[sys.executable, "-c", code],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        log_path=tmp_path / f"{name}.log",
    )


@pytest.fixture
def sleeper() -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(["sleep", "60"])
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


@linux_only
def test_a_launched_child_dies_when_its_parent_is_killed_hard(tmp_path: Path) -> None:
    parent_code = (
        "import subprocess, sys, time\n"
        "from tocsin_cli.supervisor import die_with_parent_launcher\n"
        "child = subprocess.Popen([*die_with_parent_launcher(), 'sleep', '60'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE)
    assert parent.stdout is not None
    child = ProcessRecord.of("sleep", int(parent.stdout.readline()))
    wait_until(lambda: psutil.Process(child.pid).name() == "sleep")

    parent.kill()
    parent.wait()

    wait_until(lambda: child.live() is None)


def test_the_launcher_runs_the_command_with_its_arguments(tmp_path: Path) -> None:
    out = subprocess.run(
        [*die_with_parent_launcher(), sys.executable, "-c", "import sys; print(sys.argv[1:])", "a"],
        capture_output=True,
        check=True,
        text=True,
    )
    assert out.stdout.strip() == "['a']"


def test_a_crashed_child_is_restarted(tmp_path: Path) -> None:
    child = python_child(tmp_path, "flaky", code="import sys; print('up', flush=True); sys.exit(3)")
    supervisor = Supervisor([child], max_backoff_s=0.2)
    supervisor.start_all()
    first = child.process

    restarted: list[Child] = []

    def restarted_once() -> bool:
        restarted.extend(supervisor.check())
        return bool(restarted)

    wait_until(restarted_once)

    assert restarted == [child]
    assert child.process is not first
    wait_until(lambda: child.log_path.read_text().count("up") >= 2)
    supervisor.stop_all(timeout_s=5)


def test_stop_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    stubborn = python_child(
        tmp_path,
        "stubborn",
        code="import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ignoring', flush=True)\n"
        "time.sleep(60)\n",
    )
    polite = python_child(tmp_path, "polite", code="import time; time.sleep(60)")
    supervisor = Supervisor([stubborn, polite])
    supervisor.start_all()
    wait_until(lambda: "ignoring" in stubborn.log_path.read_text())

    supervisor.stop_all(timeout_s=1)

    assert stubborn.exit_code() == -signal.SIGKILL
    assert polite.exit_code() == -signal.SIGTERM
    assert supervisor.check() == []


def test_leftovers_of_a_dead_up_are_stopped_and_strangers_are_spared(
    tmp_path: Path, sleeper: Callable[[], subprocess.Popen[bytes]]
) -> None:
    leftover, stranger = sleeper(), sleeper()
    dead_owner = ProcessRecord("tocsin up", 2**22 + 1, 0.0)
    tansu = ProcessRecord.of("tansu", leftover.pid)
    started = psutil.Process(stranger.pid).create_time()
    reused_pid = ProcessRecord("incident", stranger.pid, started - 100)
    state = UpState(owner=dead_owner, children=[tansu, reused_pid], ports={"kafka-port": 1})
    path = tmp_path / "up.json"
    state.write(path)

    reaped = reap_leftovers(UpState.read(path) or state, state_path=path, timeout_s=5)

    assert reaped == [tansu]
    assert tansu.live() is None
    assert stranger.poll() is None


def test_a_live_up_on_the_same_state_dir_is_refused(
    tmp_path: Path, sleeper: Callable[[], subprocess.Popen[bytes]]
) -> None:
    other_up = sleeper()
    state = UpState(owner=ProcessRecord.of("tocsin up", other_up.pid))

    with pytest.raises(CliError, match=f"already running \\(pid {other_up.pid}\\)"):
        reap_leftovers(state, state_path=tmp_path / "up.json", timeout_s=1)
    assert other_up.poll() is None


def test_a_port_held_by_someone_else_fails_fast_naming_port_and_option() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        with pytest.raises(CliError) as failed:
            check_ports({"--incident-port": port})

    message = str(failed.value)
    assert f"port {port} is already in use" in message
    assert "--incident-port" in message
    assert "TOCSIN_INCIDENT_PORT" in message
