"""Real infrastructure for tests: external if named, testcontainers with Docker, else embedded.

Started once per session; each test gets its own database and its own topic prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg


@dataclass(frozen=True)
class Infra:
    admin_dsn: str
    bootstrap_servers: str
    kind: str


# Runtimes started by tests: Tansu answers a group join after half the session timeout (6 s →
# 3 s, 2 s → 1 s, measured), and a runtime joins one group per consumer, one after another.
SESSION_TIMEOUT_MS = 2_000


def with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=2)
        client.ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def start_infra(tmp: Path) -> Iterator[Infra]:
    external_db = os.environ.get("TOCSIN_TEST_DATABASE_URL")
    external_kafka = os.environ.get("TOCSIN_TEST_KAFKA_BOOTSTRAP_SERVERS")
    if external_db and external_kafka:
        yield Infra(external_db, external_kafka, "external")
        return
    if _docker_answers():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

        with (
            PostgresContainer("postgres:16-alpine", driver=None) as pg,
            KafkaContainer("confluentinc/cp-kafka:7.6.1").with_kraft() as kafka,
        ):
            yield Infra(pg.get_connection_url(), kafka.get_bootstrap_server(), "testcontainers")
        return
    from tocsin_cli.embedded import EmbeddedKafka, EmbeddedPostgres, free_port, tansu_binary

    postgres = EmbeddedPostgres(tmp / "pgdata")
    kafka = EmbeddedKafka(port=free_port(), binary=tansu_binary(), log_path=tmp / "tansu.log")
    postgres.start()
    kafka.start()
    try:
        yield Infra(
            external_db or postgres.dsn(), external_kafka or kafka.bootstrap_servers, "embedded"
        )
    finally:
        kafka.stop()
        postgres.destroy()


async def create_database(admin_dsn: str) -> tuple[str, str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return name, with_database(admin_dsn, name)


async def drop_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


async def eventually(check, *, timeout_s: float = 20.0, interval_s: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll `check` (async, returns a truthy value when done) until it passes or time runs out."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s}s (last value: {last!r})")
