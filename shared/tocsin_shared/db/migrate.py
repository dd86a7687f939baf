"""Plain-SQL migrations per service schema, tracked in `<schema>.schema_migrations`.

Files are `NNNN_name.sql`, applied in order, each in its own transaction, under an advisory lock
so that two replicas starting at once apply each file once. The kernel's own tables (outbox,
inbox) are a component applied to every schema before the service's files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

KERNEL_MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Migration:
    component: str
    version: int
    name: str
    sql: str


def load(component: str, directory: Path) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must be NNNN_name.sql: {path}")
        found.append(Migration(component, int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {directory}")
    return found


async def apply(dsn: str, *, schema: str, directory: Path, component: str) -> list[str]:
    """Apply the kernel and the service migrations to `schema`; return what was applied."""
    if not _SCHEMA.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    plan = load("kernel", KERNEL_MIGRATIONS) + load(component, directory)
    conn = await asyncpg.connect(dsn)
    applied: list[str] = []
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
                " component text NOT NULL, version int NOT NULL, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now(),"
                " PRIMARY KEY (component, version))"
            )
            done = {
                (r["component"], r["version"])
                for r in await conn.fetch(
                    f"SELECT component, version FROM {schema}.schema_migrations"
                )
            }
            for migration in plan:
                if (migration.component, migration.version) in done:
                    continue
                await conn.execute(f"SET LOCAL search_path TO {schema}")
                await conn.execute(migration.sql)
                await conn.execute(
                    f"INSERT INTO {schema}.schema_migrations (component, version, name)"
                    " VALUES ($1, $2, $3)",
                    migration.component,
                    migration.version,
                    migration.name,
                )
                applied.append(f"{schema}:{migration.component}:{migration.version:04d}")
    finally:
        await conn.close()
    return applied
