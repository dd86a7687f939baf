"""The short subcommands, and the steps `tocsin up` shares with them (database, migrations)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tocsin_shared.config import ConfigError, load_config
from tocsin_shared.db import migrate
from tocsin_shared.messaging.topics_admin import ensure_topics

from .errors import CliError
from .services import ServiceSpec, by_name
from .settings import CliSettings


def redact(dsn: str) -> str:
    """The DSN with any password replaced, fit for a terminal or a log."""
    parts = urlsplit(dsn)
    if not parts.password:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


async def ensure_database(admin_dsn: str, name: str) -> bool:
    """Create database `name` if missing; True when it was created."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await conn.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await conn.close()


async def migrate_all(dsn: str, services: tuple[ServiceSpec, ...]) -> list[str]:
    applied: list[str] = []
    for spec in services:
        schema, directory = spec.schema_and_migrations()
        applied += await migrate.apply(dsn, schema=schema, directory=directory, component=spec.name)
    return applied


def describe(config_path: Path) -> str:
    """`FILE: OK (...)` with the count of every non-empty section, or CliError listing issues."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"{config_path}: {issue}", file=sys.stderr)
        raise CliError(f"{config_path}: {len(exc.issues)} error(s)") from None
    summary = ", ".join(
        f"{len(value)} {section.replace('_', ' ')}"
        for section, value in config
        if isinstance(value, list)
    )
    return f"{config_path}: OK ({summary})"


def config_validate(path: Path) -> int:
    print(describe(path))
    return 0


async def run_migrate(settings: CliSettings) -> int:
    dsn = settings.dsn()
    if dsn is None:
        raise CliError("set TOCSIN_DATABASE_URL to the Postgres to migrate")
    applied = await migrate_all(dsn, settings.selected_services())
    for item in applied:
        print(f"applied {item}")
    print(f"{redact(dsn)}: {len(applied)} migration(s) applied, schemas up to date")
    return 0


async def run_topics_create(settings: CliSettings) -> int:
    bootstrap = settings.kafka_bootstrap_servers
    if bootstrap is None:
        raise CliError("set TOCSIN_KAFKA_BOOTSTRAP_SERVERS to the broker to create topics on")
    created = await ensure_topics(bootstrap, prefix=settings.topic_prefix)
    for name in created:
        print(f"created {name}")
    print(f"{bootstrap}: {len(created)} topic(s) created, all present")
    return 0


async def run_setup(settings: CliSettings) -> int:
    await run_topics_create(settings)
    return await run_migrate(settings)


def serve(name: str) -> int:
    """Run one service in the foreground, as its container entrypoint does."""
    spec = by_name(name)
    entry = importlib.import_module(f"{spec.module}.__main__")
    entry.main()
    return 0
