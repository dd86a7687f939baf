"""How the peer benchmark talks to each side: Alertmanager's `/api/v2/alerts` and its API for
what it holds; Tocsin's native `/v1/alerts` and its Postgres for what it processed."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import httpx
import peer_common as common
import peer_workloads as work
from peer_procs import Alertmanager
from tocsin_up import Up


def alertmanager_side(am: Alertmanager) -> work.Side:
    async def incidents(tag: str) -> dict[str, int]:
        query = {"filter": f'phase="{tag}"'}
        async with httpx.AsyncClient(base_url=am.url, timeout=60) as http:
            alerts = (await http.get("/api/v2/alerts", params=query)).json()
            groups = (await http.get("/api/v2/alerts/groups", params=query)).json()
        return {"incidents": len(alerts), "groups": len(groups)}

    return work.Side(
        name="alertmanager",
        prefix="am",
        post_url=f"{am.url}/api/v2/alerts",
        body=lambda keys, page: common.am_body(keys, page=page, now=datetime.now(UTC)),
        headers=lambda page: {},
        ok_status=200,
        processed=None,
        incidents=incidents,
    )


def tocsin_side(up: Up, pool: asyncpg.Pool) -> work.Side:
    async def processed() -> int:
        count: int = await pool.fetchval("SELECT count(*) FROM incident.alerts")
        return count

    async def incidents(tag: str) -> dict[str, int]:
        row = await pool.fetchrow(
            "SELECT count(*) AS n, coalesce(sum(alert_count), 0) AS alerts"
            " FROM incident.incidents WHERE dedup_key LIKE $1",
            f"{tag}-%",
        )
        pages = await pool.fetchval(
            "SELECT count(*) FROM notifier.notifications n JOIN incident.incidents i"
            " ON i.id = n.incident_id WHERE i.dedup_key LIKE $1",
            f"{tag}-%",
        )
        assert row is not None  # an aggregate always has its row
        return {"incidents": row["n"], "alert_count_sum": row["alerts"], "ledger_pages": pages}

    def headers(page: bool) -> dict[str, str]:
        key = common.TOCSIN_PAGE_KEY if page else common.TOCSIN_QUIET_KEY
        return {"Authorization": f"Bearer {key}"}

    return work.Side(
        name="tocsin",
        prefix="ts",
        post_url=f"{up.incident_url}/v1/alerts",
        body=lambda keys, page: common.tocsin_body(keys),
        headers=headers,
        ok_status=202,
        processed=processed,
        incidents=incidents,
    )
