"""The processor's suppression cache: fresh after a local change, never keeping a raced load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from tocsin_incident.adapters.silences import SuppressionCache

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def silence_row() -> dict[str, Any]:
    return {
        "id": uuid4(),
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=1),
        "created_by": "alice",
        "comment": "",
        "created_at": T0,
        "expired_at": None,
        "expired_by": None,
        "matchers": [{"name": "job", "value": "db", "isRegex": False, "isEqual": True}],
    }


class FakeConn:
    """Answers the two loads (silences, then windows) from lists; counts the round trips."""

    def __init__(self) -> None:
        self.silences: list[dict[str, Any]] = []
        self.queries = 0
        self.during_load: Any = None

    async def fetch(self, sql: str, *args: object) -> list[dict[str, Any]]:
        self.queries += 1
        if self.during_load is not None:
            self.during_load()
        return list(self.silences) if "FROM silences" in sql else []


async def test_loads_once_then_serves_from_memory_until_invalidated() -> None:
    cache, conn = SuppressionCache(ttl_s=3600), FakeConn()
    assert (await cache.get(conn, T0)).silences == ()  # type: ignore[arg-type]
    conn.silences.append(silence_row())
    assert (await cache.get(conn, T0)).silences == ()  # type: ignore[arg-type]
    assert conn.queries == 2  # one load: silences + windows
    cache.invalidate()
    assert len((await cache.get(conn, T0)).silences) == 1  # type: ignore[arg-type]


async def test_a_load_that_raced_with_a_change_is_not_kept() -> None:
    cache, conn = SuppressionCache(ttl_s=3600), FakeConn()
    conn.during_load = cache.invalidate  # a silence committed while the processor was loading
    await cache.get(conn, T0)  # type: ignore[arg-type]
    conn.during_load = None
    conn.silences.append(silence_row())
    assert len((await cache.get(conn, T0)).silences) == 1  # type: ignore[arg-type]


async def test_a_stale_entry_expires_after_the_ttl() -> None:
    cache, conn = SuppressionCache(ttl_s=0), FakeConn()
    await cache.get(conn, T0)  # type: ignore[arg-type]
    conn.silences.append(silence_row())
    assert len((await cache.get(conn, T0)).silences) == 1  # type: ignore[arg-type]
