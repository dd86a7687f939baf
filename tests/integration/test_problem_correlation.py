"""Correlation in the running problem service, real Postgres and broker: three recurrences open one
problem, a fourth links to it, a published known error's workaround leaves on the problem topic
for a matching incident, and each link says why."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from tocsin_shared.contracts.envelope import from_kafka
from tocsin_shared.contracts.events import IncidentTriggeredV1, KnownErrorMatchedV1
from tocsin_shared.contracts.topics import INCIDENT_EVENTS, PROBLEM_EVENTS
from tocsin_shared.runtime import Runtime

from ..incident_events import T0, kafka_item, triggered
from ..infra import Infra, eventually
from ..kafka_tools import produce, read_all
from ..samples import RESPONDER_TOKEN
from .problem_runtime import problem_runtime

TIMEOUT_S = 60.0
RESPONDER = {"Authorization": f"Bearer {RESPONDER_TOKEN}"}


@pytest.fixture
async def runtime(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[Runtime]:
    async with problem_runtime(infra, dsn=database, prefix=topic_prefix) as started:
        yield started


def _incident(n: int, *, host: str, summary: str) -> IncidentTriggeredV1:
    event = triggered(uuid4(), dedup_key=f"{host}-{n}", at=T0 + timedelta(days=n))
    return event.model_copy(update={"summary": summary.format(host=f"{host}-{n}", n=80 + n)})


async def _links(dsn: str) -> dict[UUID, asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT * FROM problem.problem_links")
        return {r["incident_id"]: r for r in rows}
    finally:
        await conn.close()


async def test_recurrences_open_a_problem_and_a_known_error_reaches_the_matching_incident(
    runtime: Runtime, infra: Infra, database: str, topic_prefix: str
) -> None:
    topic = INCIDENT_EVENTS.qualified(topic_prefix)
    disk = "Disk usage on {host} above {n}%"
    recurring = [_incident(n, host="db", summary=disk) for n in range(1, 4)]
    await produce(infra.bootstrap_servers, topic, [kafka_item(e) for e in recurring[:2]])

    async def observed(count: int) -> bool:
        conn = await asyncpg.connect(database)
        try:
            return await conn.fetchval("SELECT count(*) FROM problem.observed_incidents") == count
        finally:
            await conn.close()

    await eventually(lambda: observed(2), timeout_s=TIMEOUT_S)
    assert await _links(database) == {}  # two are not yet a recurrence
    await produce(infra.bootstrap_servers, topic, [kafka_item(recurring[2])])

    async def linked(count: int) -> dict[UUID, asyncpg.Record] | None:
        links = await _links(database)
        return links if len(links) == count else None

    links = await eventually(lambda: linked(3), timeout_s=TIMEOUT_S)
    problems = {r["problem_id"] for r in links.values()}
    assert len(problems) == 1 and set(links) == {e.incident_id for e in recurring}
    reason = json.loads(links[recurring[2].incident_id]["reason"])
    assert reason["origin"] == "rule" and reason["rule"] == "recurrence-default"
    assert reason["template"] == "disk usage on db-<*> above <*>"
    assert set(reason["matched_incident_ids"]) == {str(e.incident_id) for e in recurring[:2]}

    fourth = _incident(4, host="db", summary=disk)
    await produce(infra.bootstrap_servers, topic, [kafka_item(fourth)])
    links = await eventually(lambda: linked(4), timeout_s=TIMEOUT_S)
    assert links[fourth.incident_id]["problem_id"] in problems

    (problem_id,) = problems
    app = runtime.app(title="problem")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://problem"
    ) as http:
        shown = (await http.get(f"/v1/problems/{problem_id}", headers=RESPONDER)).json()
        assert shown["origin"] == "rule" and len(shown["links"]) == 4
        known = await http.post(
            "/v1/known-errors",
            headers=RESPONDER,
            json={
                "problem_id": str(problem_id),
                "title": "Postgres WAL fills the data disk",
                "signature": {"service": "checkout", "pattern": "Disk usage on db-<*> above <*>"},
                "root_cause": "archive_command failing",
                "workaround": "Run wal-cleanup.sh on the host, then restart the archiver",
            },
        )
        assert known.status_code == 201, known.text
        published = await http.post(
            f"/v1/known-errors/{known.json()['id']}/actions/publish", headers=RESPONDER
        )
        assert published.status_code == 200, published.text

    fifth = _incident(5, host="db", summary=disk)
    await produce(infra.bootstrap_servers, topic, [kafka_item(fifth)])
    links = await eventually(lambda: linked(5), timeout_s=TIMEOUT_S)
    assert links[fifth.incident_id]["origin"] == "known_error"

    # created, five links, the known error created and published, and the match.
    records = await read_all(
        infra.bootstrap_servers, PROBLEM_EVENTS.qualified(topic_prefix), expect=9, timeout_s=30
    )
    events = [from_kafka(headers=dict(r.headers), key=r.key, value=r.value) for r in records]
    types = [e.type for e in events]
    assert types.count("tocsin.problem.created.v1") == 1
    assert types.count("tocsin.problem.incident_linked.v1") == 5
    (match,) = [e.data for e in events if isinstance(e.data, KnownErrorMatchedV1)]
    assert match.incident_id == fifth.incident_id and match.problem_id == problem_id
    assert match.workaround.startswith("Run wal-cleanup.sh")

    # Backtest the stored log with a stricter rule: no state changes, quality against the links.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://problem"
    ) as http:
        strict = "correlation_rules:\n  - name: strict\n    threshold: 6\n"
        answer = await http.post(
            "/v1/problems/backtest",
            headers=RESPONDER,
            json={
                "rules": strict,
                "from": T0.isoformat(),
                "to": (T0 + timedelta(days=30)).isoformat(),
            },
        )
        assert answer.status_code == 200, answer.text
        replay = answer.json()
        assert replay["incidents"] == 5 and replay["problems"] == []
        # No rule fires at six, but the published known error's signature fits all five: the
        # replay links them to its problem, as recorded.
        assert {link["reason"]["origin"] for link in replay["links"]} == {"known_error"}
        assert replay["quality"]["pairwise_recall"] == replay["quality"]["pairwise_precision"] == 1
        bad = await http.post(
            "/v1/problems/backtest",
            headers=RESPONDER,
            json={
                "rules": "correlation_rules: [{threshold: 1}]",
                "from": T0.isoformat(),
                "to": T0.isoformat(),
            },
        )
        assert bad.status_code == 422
    assert len(await _links(database)) == 5  # the backtests changed nothing
