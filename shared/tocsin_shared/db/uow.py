"""Unit of work over one Postgres transaction: state, inbox claim and outbox rows commit together.

A service subclasses it and binds its repositories to the connection in `bind`.
"""

from __future__ import annotations

from typing import Self

import asyncpg

from ..contracts.envelope import envelope_for
from ..contracts.events import EventData
from ..observability.propagation import Carrier, carrier
from . import inbox, outbox
from .pool import DbConnection


class PgUnitOfWork:
    def __init__(
        self,
        pool: asyncpg.Pool | None,
        *,
        source: str,
        topic_prefix: str = "",
        connection: DbConnection | None = None,
    ) -> None:
        """Borrow from `pool`, or work inside `connection`'s open transaction (as a savepoint)."""
        if (pool is None) == (connection is None):
            raise ValueError("give a pool or a connection")
        self._pool = pool
        self._given = connection
        self._source = source
        self._topic_prefix = topic_prefix
        self._events: list[tuple[EventData, Carrier]] = []

    def bind(self, conn: DbConnection) -> None:
        """Create this unit's repositories on `conn`."""

    @property
    def connection(self) -> DbConnection:
        return self._conn

    async def __aenter__(self) -> Self:
        if self._given is not None:
            self._conn: DbConnection = self._given
        else:
            assert self._pool is not None
            self._conn = await self._pool.acquire()
        self._tx = self._conn.transaction()
        await self._tx.start()
        self._committed = False
        self.bind(self._conn)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if not self._committed:
                await self._rollback()
        finally:
            if self._given is None and self._pool is not None:
                await self._pool.release(self._conn)  # type: ignore[arg-type]

    async def _rollback(self) -> None:
        # A rollback that cannot run (the commit was cancelled mid-flight, the connection broke)
        # must not replace the error that brought us here; the pool discards a broken connection.
        try:
            await self._tx.rollback()
        except (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError):
            if self._given is None:
                self._conn.terminate()

    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        return await inbox.claim(self._conn, consumer=consumer, source=source, event_id=event_id)

    def emit(self, event: EventData) -> None:
        # The span current now (one message of a batch, say) is the event's cause, not whatever
        # is current at commit time.
        self._events.append((event, carrier()))

    async def commit(self) -> None:
        for event, trace_context in self._events:
            envelope = envelope_for(event, source=self._source)
            await outbox.add(
                self._conn, envelope, topic_prefix=self._topic_prefix, trace_context=trace_context
            )
        self._events.clear()
        await self._tx.commit()
        self._committed = True
