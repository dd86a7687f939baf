"""`tocsin up`: embedded Postgres and Tansu (unless external ones are named), topics, migrations,
then the four services as supervised processes, until Ctrl-C or SIGTERM stops everything."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable

import httpx
from tocsin_shared.messaging.topics_admin import ensure_topics

from .commands import describe, ensure_database, migrate_all, redact
from .embedded import EmbeddedKafka, EmbeddedPostgres, tansu_binary
from .errors import CliError
from .link_secret import link_secret
from .services import ServiceSpec, by_name
from .settings import CliSettings
from .state import ProcessRecord, UpState, check_ports, reap_leftovers, wait_ports_free
from .supervisor import Child, Supervisor, die_with_parent_launcher, log_tail, probe

log = logging.getLogger("tocsin.up")

DATABASE = "tocsin"
HOST = "127.0.0.1"


class _StopRequested(Exception):
    pass


class Up:
    def __init__(self, settings: CliSettings) -> None:
        self.settings = settings
        self.services = settings.selected_services()
        self.state_dir = settings.state_dir.resolve()
        self.logs = self.state_dir / "logs"
        self.state_path = self.state_dir / "up.json"
        self.config = settings.config.resolve()
        self.stop_requested = asyncio.Event()
        self.postgres: EmbeddedPostgres | None = None
        self.kafka: EmbeddedKafka | None = None
        self.kafka_retry_at = 0.0
        self.supervisor = Supervisor([])
        self.state = UpState(owner=ProcessRecord.of("tocsin up", os.getpid()))

    async def run(self) -> int:
        log.info("%s", describe(self.config))
        self.logs.mkdir(parents=True, exist_ok=True)
        self._install_signal_handlers()
        self._clear_leftovers()
        try:
            dsn, bootstrap = await self._start()
            self._print_summary(dsn, bootstrap)
            await self._supervise(bootstrap)
        except _StopRequested:
            pass
        finally:
            self._shutdown()
        return 0

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, self._request_stop, sig)

    def _request_stop(self, sig: int) -> None:
        if not self.stop_requested.is_set():
            log.info("%s received; stopping", signal.Signals(sig).name)
        self.stop_requested.set()

    def _clear_leftovers(self) -> None:
        previous = UpState.read(self.state_path)
        if previous is not None:
            reaped = reap_leftovers(previous, state_path=self.state_path, timeout_s=10)
            if reaped:
                names = ", ".join(f"{r.name} (pid {r.pid})" for r in reaped)
                log.info("stopped what a previous tocsin up left running: %s", names)
            wait_ports_free(list(previous.ports.values()), timeout_s=20)
        wanted = {s.port_option: self.settings.port_of(s) for s in self.services}
        if self.settings.kafka_bootstrap_servers is None:
            wanted["--kafka-port"] = self.settings.kafka_port
        check_ports(wanted)
        self.state.ports = {option.removeprefix("--"): port for option, port in wanted.items()}
        self._save()

    def _save(self) -> None:
        tansu = self.kafka.process if self.kafka else None
        running = [("tansu", tansu)] if tansu else []
        running += [(c.name, c.process) for c in self.supervisor.children if c.process]
        self.state.children = [
            r for name, p in running if (r := ProcessRecord.find(name, p.pid)) is not None
        ]
        self.state.write(self.state_path)

    def _checkpoint(self) -> None:
        if self.stop_requested.is_set():
            raise _StopRequested

    async def _start(self) -> tuple[str, str]:
        s = self.settings
        dsn = s.dsn()
        if dsn is None:
            self.postgres = EmbeddedPostgres(self.state_dir / "pgdata")
            log.info("starting embedded Postgres (data in %s)", self.postgres.data_dir)
            admin_dsn = await asyncio.to_thread(self.postgres.start)
            if await ensure_database(admin_dsn, DATABASE):
                log.info("created database %s", DATABASE)
            dsn = self.postgres.dsn(DATABASE)
        self._checkpoint()
        bootstrap = s.kafka_bootstrap_servers
        if bootstrap is None:
            self.kafka = EmbeddedKafka(
                port=s.kafka_port,
                binary=tansu_binary(s.tansu_bin),
                log_path=self.logs / "tansu.log",
                launcher=die_with_parent_launcher(),
            )
            self._start_kafka(self.kafka)
            bootstrap = self.kafka.bootstrap_servers
        created = await ensure_topics(bootstrap, prefix=s.topic_prefix)
        log.info("topics ready on %s (%d created)", bootstrap, len(created))
        self._checkpoint()
        for applied in await migrate_all(dsn, self.services):
            log.info("applied migration %s", applied)
        self._checkpoint()
        self.supervisor.children = [
            self._child(spec, dsn=dsn, bootstrap=bootstrap) for spec in self.services
        ]
        self.supervisor.start_all()
        self._save()
        log.info("started %s; waiting until ready", ", ".join(s.name for s in self.services))
        await self._wait_ready()
        return dsn, bootstrap

    def _start_kafka(self, kafka: EmbeddedKafka) -> None:
        log.info("starting embedded Kafka (Tansu) on %s", kafka.bootstrap_servers)
        try:
            kafka.start()
        except (RuntimeError, TimeoutError, OSError) as exc:
            tail = log_tail(self.logs / "tansu.log")
            raise CliError(f"Tansu did not start: {exc}\n{tail}".rstrip()) from exc
        self._save()

    def _child(self, spec: ServiceSpec, *, dsn: str, bootstrap: str) -> Child:
        # Children inherit this environment (PATH, TOCSIN_LOG_LEVEL, ...) with up's choices on top.
        env = dict(os.environ)
        env.update(
            {
                "TOCSIN_DATABASE_URL": dsn,
                "TOCSIN_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "TOCSIN_CONFIG": str(self.config),
                "TOCSIN_HOST": HOST,
                spec.port_env: str(self.settings.port_of(spec)),
                "TOCSIN_INCIDENT_URL": f"http://{HOST}:{self.settings.port_of(by_name('incident'))}",
                "TOCSIN_ACTION_LINK_SECRET": link_secret(self.settings, self.state_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        # One machine, one broker: a short session lets each consumer group join in ~1.5 s (Tansu
        # answers a join after half the session timeout) instead of 5 s; the user's value wins.
        env.setdefault("TOCSIN_CONSUMER_SESSION_TIMEOUT_MS", "3000")
        return Child(
            name=spec.name,
            argv=spec.main_argv(sys.executable),
            env=env,
            log_path=self.logs / f"{spec.name}.log",
        )

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.settings.ready_timeout_s
        pending = {spec.name: spec for spec in self.services}
        status = dict.fromkeys(pending, "not started")
        async with httpx.AsyncClient(timeout=3.0) as client:
            while pending:
                for child in self.supervisor.exited():
                    raise CliError(
                        f"{child.name} exited with code {child.exit_code()} while starting; "
                        f"the end of {child.log_path}:\n{log_tail(child.log_path)}"
                    )
                for name, spec in list(pending.items()):
                    status[name] = await probe(
                        client, f"http://{HOST}:{self.settings.port_of(spec)}"
                    )
                    if status[name] == "ready":
                        del pending[name]
                if pending and time.monotonic() > deadline:
                    waiting = "; ".join(
                        f"{n}: {status[n]} (log {self.logs / f'{n}.log'})" for n in pending
                    )
                    limit = self.settings.ready_timeout_s
                    raise CliError(f"not ready within {limit:.0f}s: {waiting}")
                await self._pause(0.3)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop_requested.wait(), seconds)
        self._checkpoint()

    def _print_summary(self, dsn: str, bootstrap: str) -> None:
        where = f"embedded, data in {self.postgres.data_dir}" if self.postgres else "external"
        broker = "embedded Tansu, memory only" if self.kafka else "external"
        lines = [
            "",
            "Tocsin is up.",
            f"  postgres     {redact(dsn)}  ({where})",
            f"  kafka        {bootstrap}  ({broker})",
            *(f"  {s.name:<12} http://{HOST}:{self.settings.port_of(s)}" for s in self.services),
            f"  config       {self.config}",
            f"  logs         {self.logs}",
            "",
            "Ctrl-C to stop.",
        ]
        print("\n".join(lines), flush=True)

    async def _supervise(self, bootstrap: str) -> None:
        while True:
            if self.supervisor.check():
                self._save()
            await self._revive_kafka(bootstrap)
            await self._pause(0.5)

    async def _revive_kafka(self, bootstrap: str) -> None:
        """Tansu keeps everything in memory: after a crash it comes back empty, so topics again."""
        kafka = self.kafka
        if kafka is None or kafka.process is None or kafka.process.poll() is None:
            return
        if time.monotonic() < self.kafka_retry_at:
            return
        log.warning("Tansu exited with code %s; restarting it", kafka.process.returncode)
        self.kafka_retry_at = time.monotonic() + 5
        try:
            self._start_kafka(kafka)
            await ensure_topics(bootstrap, prefix=self.settings.topic_prefix)
        except Exception as exc:
            log.error("could not restart Tansu: %s", exc)

    def _shutdown(self) -> None:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("services", lambda: self.supervisor.stop_all(timeout_s=self.settings.stop_timeout_s)),
            ("Tansu", lambda: self.kafka.stop() if self.kafka else None),
            ("Postgres", lambda: self.postgres.stop() if self.postgres else None),
            ("state file", lambda: self.state_path.unlink(missing_ok=True)),
        ]
        for what, step in steps:
            try:
                step()
            except Exception:
                log.exception("stopping %s failed", what)
        log.info("stopped")


def up(settings: CliSettings) -> int:
    return asyncio.run(Up(settings).run())
