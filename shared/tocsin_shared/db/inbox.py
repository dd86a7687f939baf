"""Inbox: claim an event's identity in the consumer's transaction; a redelivery is a no-op."""

from __future__ import annotations

from .pool import DbConnection


async def claim(conn: DbConnection, *, consumer: str, source: str, event_id: str) -> bool:
    """True the first time (consumer, source, id) is seen; False for a duplicate.

    Must run inside the transaction that applies the event: if that rolls back, so does the claim.
    """
    row = await conn.fetchval(
        "INSERT INTO inbox (consumer, source, event_id) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        consumer,
        source,
        event_id,
    )
    return row is not None
