"""Postgres silences and maintenance windows, their expiry timers, and the processor's cache."""

from __future__ import annotations

import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from tocsin_shared.db import timers
from tocsin_shared.db.pool import DbConnection

from ..domain.silences import MaintenanceWindow, Matcher, Silence, State, Suppressions
from ..handlers.silences import Suppression

SILENCE_EXPIRE = "silence.expire"
WINDOW_EXPIRE = "maintenance.expire"
_RANGE = "id, starts_at, ends_at, created_by, comment, created_at, expired_at, expired_by"
_SILENCE_COLUMNS = f"{_RANGE}, matchers"
_WINDOW_COLUMNS = f"{_RANGE}, services"


def matcher_json(m: Matcher) -> dict[str, Any]:
    return {"name": m.name, "value": m.value, "isRegex": m.is_regex, "isEqual": m.is_equal}


def _silence(row: asyncpg.Record) -> Silence:
    fields = {k: row[k] for k in _RANGE.split(", ")}
    matchers = tuple(
        Matcher.create(m["name"], m["value"], is_regex=m["isRegex"], is_equal=m["isEqual"])
        for m in row["matchers"]
    )
    return Silence(**fields, matchers=matchers)


def _window(row: asyncpg.Record) -> MaintenanceWindow:
    fields = {k: row[k] for k in _RANGE.split(", ")}
    return MaintenanceWindow(**fields, services=tuple(row["services"]))


class SuppressionCache:
    """What is not yet over, reloaded after `ttl_s` or at once after a change in this process.

    A load that raced with a change is not kept (the generation moved), so a silence created
    through this instance's API applies to the very next alert this instance processes.
    """

    def __init__(self, ttl_s: float = 2.0) -> None:
        self._ttl_s = ttl_s
        self._generation = 0
        self._loaded: tuple[int, float, Suppressions] | None = None

    def invalidate(self) -> None:
        self._generation += 1
        self._loaded = None

    async def get(self, conn: DbConnection, now: datetime) -> Suppressions:
        loaded = self._loaded
        if loaded and loaded[0] == self._generation and time.monotonic() - loaded[1] < self._ttl_s:
            return loaded[2]
        generation = self._generation
        found = await load_live(conn, now)
        if generation == self._generation:
            self._loaded = (generation, time.monotonic(), found)
        return found


_CACHES: weakref.WeakKeyDictionary[object, SuppressionCache] = weakref.WeakKeyDictionary()


def cache_for(owner: object) -> SuppressionCache:
    """One cache per runtime: its processor reads it, its API invalidates it."""
    cache = _CACHES.get(owner)
    if cache is None:
        cache = _CACHES[owner] = SuppressionCache()
    return cache


async def load_live(conn: DbConnection, now: datetime) -> Suppressions:
    silences = await conn.fetch(
        f"SELECT {_SILENCE_COLUMNS} FROM silences WHERE expired_at IS NULL AND ends_at > $1", now
    )
    windows = await conn.fetch(
        f"SELECT {_WINDOW_COLUMNS} FROM maintenance_windows"
        " WHERE expired_at IS NULL AND ends_at > $1",
        now,
    )
    return Suppressions(
        silences=tuple(_silence(r) for r in silences), windows=tuple(_window(r) for r in windows)
    )


class PgSuppressionSource:
    def __init__(self, conn: DbConnection, cache: SuppressionCache | None) -> None:
        self._conn, self._cache = conn, cache

    async def live(self, now: datetime) -> Suppressions:
        if self._cache is None:
            return await load_live(self._conn, now)
        return await self._cache.get(self._conn, now)


class PgSuppressionStore:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def add(self, item: Suppression) -> None:
        common = (item.id, item.starts_at, item.ends_at, item.created_by, item.comment)
        if isinstance(item, Silence):
            await self._conn.execute(
                "INSERT INTO silences (id, starts_at, ends_at, created_by, comment, created_at,"
                " matchers) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                *common,
                item.created_at,
                [matcher_json(m) for m in item.matchers],
            )
        else:
            await self._conn.execute(
                "INSERT INTO maintenance_windows (id, starts_at, ends_at, created_by, comment,"
                " created_at, services) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                *common,
                item.created_at,
                list(item.services),
            )
        await timers.schedule(
            self._conn, kind=_kind(item), subject=str(item.id), due_at=item.ends_at
        )

    async def get_silence(self, item_id: UUID) -> Silence | None:
        row = await self._conn.fetchrow(
            f"SELECT {_SILENCE_COLUMNS} FROM silences WHERE id = $1 FOR UPDATE", item_id
        )
        return _silence(row) if row else None

    async def get_window(self, item_id: UUID) -> MaintenanceWindow | None:
        row = await self._conn.fetchrow(
            f"SELECT {_WINDOW_COLUMNS} FROM maintenance_windows WHERE id = $1 FOR UPDATE", item_id
        )
        return _window(row) if row else None

    async def save_expiry(self, item: Suppression) -> None:
        table = "silences" if isinstance(item, Silence) else "maintenance_windows"
        await self._conn.execute(
            f"UPDATE {table} SET starts_at = $2, ends_at = $3, expired_at = $4, expired_by = $5"
            " WHERE id = $1",
            item.id,
            item.starts_at,
            item.ends_at,
            item.expired_at,
            item.expired_by,
        )
        # Ended early by a person: the timer has nothing left to do. (When the timer itself is
        # firing, its row is already claimed and is marked fired by the timer loop.)
        if item.expired_by != "system":
            await timers.cancel(self._conn, kind=_kind(item), subject=str(item.id))


def _kind(item: Suppression) -> str:
    return SILENCE_EXPIRE if isinstance(item, Silence) else WINDOW_EXPIRE


@asynccontextmanager
async def suppression_store(
    pool: asyncpg.Pool, cache: SuppressionCache
) -> AsyncIterator[PgSuppressionStore]:
    """One transaction; the cache is invalidated once it has committed."""
    async with pool.acquire() as conn, conn.transaction():
        yield PgSuppressionStore(conn)
    cache.invalidate()


_IN_STATE = {
    None: "$2::timestamptz IS NOT NULL",
    State.PENDING: "expired_at IS NULL AND starts_at > $2",
    State.ACTIVE: "expired_at IS NULL AND starts_at <= $2 AND ends_at > $2",
    State.EXPIRED: "(expired_at IS NOT NULL OR ends_at <= $2)",
}


async def list_silences(
    pool: asyncpg.Pool, *, state: State | None, now: datetime, limit: int
) -> list[Silence]:
    rows = await pool.fetch(
        f"SELECT {_SILENCE_COLUMNS} FROM silences WHERE {_IN_STATE[state]}"
        " ORDER BY created_seq DESC LIMIT $1",
        limit,
        now,
    )
    return [_silence(r) for r in rows]


async def list_windows(
    pool: asyncpg.Pool, *, state: State | None, now: datetime, limit: int
) -> list[MaintenanceWindow]:
    rows = await pool.fetch(
        f"SELECT {_WINDOW_COLUMNS} FROM maintenance_windows WHERE {_IN_STATE[state]}"
        " ORDER BY created_seq DESC LIMIT $1",
        limit,
        now,
    )
    return [_window(r) for r in rows]


async def silence_by_id(pool: asyncpg.Pool, silence_id: UUID) -> Silence | None:
    row = await pool.fetchrow(f"SELECT {_SILENCE_COLUMNS} FROM silences WHERE id = $1", silence_id)
    return _silence(row) if row else None
