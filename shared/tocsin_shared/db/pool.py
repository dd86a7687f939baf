"""One asyncpg pool per service, its search_path pinned to the service's own schema."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Pool = asyncpg.Pool
# A plain connection or one borrowed from a pool: both run the same queries.
DbConnection = asyncpg.Connection | PoolConnectionProxy  # type: ignore[type-arg]


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, schema: str, min_size: int = 1, max_size: int = 10) -> Pool:
    pool: Any = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        server_settings={"search_path": schema, "application_name": f"tocsin-{schema}"},
        command_timeout=30,
    )
    return pool  # type: ignore[no-any-return]


async def connect(dsn: str, *, schema: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(
        dsn, server_settings={"search_path": schema, "application_name": f"tocsin-{schema}"}
    )
    await _init_connection(conn)
    return conn


async def ping(pool: Pool) -> bool:
    try:
        async with pool.acquire(timeout=2) as conn:
            return bool(await conn.fetchval("SELECT 1", timeout=2))
    except Exception:
        return False
