"""Every captured Alertmanager request replayed at the real incident runtime (Postgres + Tansu).

`prometheus-to-alertmanager-api-v2.json` is what Prometheus posts to Alertmanager, not to a
receiver; tests/e2e/test_real_alertmanager.py replays it into a real Alertmanager.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from tocsin_incident.bootstrap import build_runtime

from ..compat_payloads import Captured, captured, receiver_files, sequence
from ..infra import Infra, eventually
from ..samples import WEBHOOK_GROUPED_KEY, compat_config
from .incident_runtime import incident_settings, migrate_incident

FLAPPING = "89c6f9f5025552bbf3b2ac726d2fcff9ce1b4bb150ebe941b7cdb27232ee66a2"
ALWAYS = "43c0833c2f0faaa15abdc19482fa85392442ef938ff30b5daed1e614d9b7c418"
DISK_GROUP = "94643ba4e872e5c956190c10659a123e9bbe9a72662543f6f195dae92694675b"
DB1, DB2 = "1b821551d31d953a", "dcc220a33c39da0b"


@pytest.fixture
async def edge(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    await migrate_incident(database)
    settings = incident_settings(
        dsn=database, bootstrap=infra.bootstrap_servers, prefix=topic_prefix
    )
    runtime = build_runtime(settings, config=compat_config())
    await runtime.start()
    app = runtime.app(title="incident under test")
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://incident"
        ) as client:
            yield client
    finally:
        await runtime.stop()


async def _replay(client: httpx.AsyncClient, request: Captured, **headers: str) -> None:
    response = await client.post(
        request.url, content=request.body, headers={**request.headers, **headers}
    )
    assert response.status_code == 202, f"{request.name}: {response.text}"


async def _incidents(dsn: str, service: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT dedup_key, status, alert_count FROM incident.incidents"
            " WHERE service = $1 ORDER BY created_seq",
            service,
        )
        return [dict(r) for r in rows]
    finally:
        await conn.close()


async def _outcomes(dsn: str, integration: str) -> list[tuple[str, str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT dedup_key, action, outcome FROM incident.alerts WHERE integration = $1",
            integration,
        )
        return sorted((r["dedup_key"], r["action"], r["outcome"]) for r in rows)
    finally:
        await conn.close()


def _states(incidents: list[dict[str, Any]]) -> dict[str, tuple[str, int]]:
    return {i["dedup_key"]: (i["status"], i["alert_count"]) for i in incidents}


async def _until(dsn: str, service: str, expected: dict[str, tuple[str, int]]) -> None:
    async def reached() -> bool:
        return _states(await _incidents(dsn, service)) == expected

    try:
        await eventually(reached, timeout_s=45)
    except AssertionError:
        actual = _states(await _incidents(dsn, service))
        raise AssertionError(f"{service}: expected {expected}, got {actual}") from None


def _firing_twin(request: Captured) -> Captured:
    """The firing request that the captured resolve/close once followed (it was not captured)."""
    body = request.json()
    if request.path == "/v1/integrations/alertmanager":
        for alert in body["alerts"]:
            alert.update(status="firing", endsAt="0001-01-01T00:00:00Z")
        body["status"] = "firing"
        path = request.path
    elif request.path == "/v2/enqueue":
        body["event_action"] = "trigger"
        path = request.path
    else:
        alias = request.path.split("/")[3]
        body, path = {"message": "[FIRING:1] Flapping payments", "alias": alias}, "/v2/alerts"
    return Captured(
        name=f"{request.name} (firing twin)",
        method="POST",
        path=path,
        query="",
        headers=request.headers,
        body=json.dumps(body).encode(),
    )


async def test_every_captured_request_is_accepted_and_does_what_it_says(
    edge: httpx.AsyncClient, database: str
) -> None:
    files = receiver_files()
    assert len(files) == 6, files
    resolves = [captured(f) for f in files if "resolve" in f or "close" in f]
    for resolve in resolves:
        await _replay(edge, _firing_twin(resolve))
    await _until(database, "via-webhook", {"fea133a911ce2ca4": ("triggered", 1)})
    await _until(database, "via-pagerduty", {FLAPPING: ("triggered", 1)})
    await _until(database, "via-opsgenie", {FLAPPING: ("triggered", 1)})

    for name in files:
        await _replay(edge, captured(name))

    await _until(
        database,
        "via-webhook",
        {"fea133a911ce2ca4": ("resolved", 1), "7b006c8e71e8c41c": ("triggered", 1)},
    )
    await _until(database, "via-pagerduty", {FLAPPING: ("resolved", 1), ALWAYS: ("triggered", 1)})
    await _until(database, "via-opsgenie", {FLAPPING: ("resolved", 1), ALWAYS: ("triggered", 1)})
    assert ("fea133a911ce2ca4", "resolve", "resolved") in await _outcomes(database, "am-webhook")
    assert (ALWAYS, "trigger", "opened") in await _outcomes(database, "am-pagerduty")


async def test_the_mixed_group_sequence_resolves_per_alert_and_per_group(
    edge: httpx.AsyncClient, database: str
) -> None:
    steps = sequence()
    partial = 4  # the webhook with db-1 resolved and db-2 still firing
    assert steps[partial].json()["status"] == "firing"
    grouped = {"Authorization": f"Bearer {WEBHOOK_GROUPED_KEY}"}

    for step in steps[: partial + 1]:
        await _replay(edge, step)
        if step.path == "/v1/integrations/alertmanager":
            await _replay(edge, step, **grouped)
    # The partial resolve closed db-1's incident only; the group stays open.
    await _until(database, "via-webhook", {DB1: ("resolved", 1), DB2: ("triggered", 2)})
    await _until(database, "via-webhook-grouped", {DISK_GROUP: ("triggered", 2)})
    await _until(database, "via-pagerduty", {DISK_GROUP: ("triggered", 2)})

    for step in steps[partial + 1 :]:
        await _replay(edge, step)
        if step.path == "/v1/integrations/alertmanager":
            await _replay(edge, step, **grouped)

    await _until(database, "via-webhook", {DB1: ("resolved", 1), DB2: ("resolved", 2)})
    await _until(database, "via-webhook-grouped", {DISK_GROUP: ("resolved", 2)})
    await _until(database, "via-pagerduty", {DISK_GROUP: ("resolved", 2)})
    await _until(database, "via-opsgenie", {DISK_GROUP: ("resolved", 2)})
