"""Problem management over HTTP on the real problem runtime, Postgres and broker: every endpoint's
happy path and its 4xx, and every change in problem_history, on the outbox and on Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from tocsin_problem import MIGRATIONS, SCHEMA
from tocsin_problem.adapters.postgres import ProblemUnitOfWork
from tocsin_problem.domain.known_errors import KnownError, KnownErrorAction, Signature
from tocsin_problem.domain.links import Decision, Link, Suggestion
from tocsin_problem.domain.problem import Problem
from tocsin_shared.contracts.events import Actor, LinkOrigin, LinkReason, ProblemOrigin
from tocsin_shared.contracts.topics import INCIDENT_EVENTS, PROBLEM_EVENTS
from tocsin_shared.db import migrate
from tocsin_shared.db.pool import create_pool
from tocsin_shared.runtime import Runtime

from ..incident_events import kafka_item, triggered
from ..infra import Infra, eventually
from ..kafka_tools import produce, read_all
from ..samples import RESPONDER_TOKEN, VIEWER_TOKEN
from .problem_runtime import problem_runtime

TIMEOUT_S = 60.0
RESPONDER = {"Authorization": f"Bearer {RESPONDER_TOKEN}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}


@pytest.fixture
async def runtime(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[Runtime]:
    async with problem_runtime(infra, dsn=database, prefix=topic_prefix) as started:
        yield started


async def _fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _observed(runtime: Runtime, infra: Infra, database: str, prefix: str) -> list[UUID]:
    """Three incidents the problem service has seen through its consumer."""
    incidents = [uuid4() for _ in range(3)]
    # Unlike summaries: correlation must not make a problem of them before the test does.
    keys = ("pool-exhausted", "certificate-expired", "replication-broken")
    records = [kafka_item(triggered(i, dedup_key=k)) for k, i in zip(keys, incidents, strict=True)]
    await produce(infra.bootstrap_servers, INCIDENT_EVENTS.qualified(prefix), records)

    async def seen() -> bool:
        rows = await _fetch(database, "SELECT 1 FROM problem.observed_incidents")
        return len(rows) == len(incidents)

    await eventually(seen, timeout_s=TIMEOUT_S)
    return incidents


async def _suggest(runtime: Runtime, prefix: str, problem_id: str, incident: UUID) -> str:
    """A suggestion as correlation would store it (below the auto-link threshold)."""
    suggestion = Suggestion.propose(
        suggestion_id=uuid4(),
        problem_id=UUID(problem_id),
        incident_id=incident,
        template="<*> is down",
        score=0.71,
        reason=LinkReason(origin=LinkOrigin.SIMILARITY, score=0.71),
        actor=Actor(kind="system", id="tocsin-problem"),
        now=datetime.now(UTC),
    )
    async with ProblemUnitOfWork(runtime.pool, topic_prefix=prefix) as uow:
        assert await uow.suggestions.add(suggestion)
        assert not await uow.suggestions.add(suggestion)
        for event in suggestion.events:
            await uow.record(event)
        await uow.commit()
    return str(suggestion.id)


async def test_problem_management_end_to_end(
    runtime: Runtime, infra: Infra, database: str, topic_prefix: str
) -> None:
    a, b, c = await _observed(runtime, infra, database, topic_prefix)
    app = runtime.app(title="problem")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://problem"
    ) as http:

        async def call(
            method: str, path: str, status: int, *, as_: dict[str, str] = RESPONDER, **kw: Any
        ) -> Any:
            response = await http.request(method, path, headers=as_, **kw)
            assert response.status_code == status, response.text
            if status >= 400:
                assert set(response.json()["error"]) >= {"code", "message"}
            return response.json() if response.content else None

        # Problems: create, read, list, edit.
        body = {"statement": "Pool exhausted", "service": "checkout"}
        first = await call("POST", "/v1/problems", 201, json=body)
        survivor = await call("POST", "/v1/problems", 201, json={"statement": "Pool, again"})
        assert (first["number"], first["state"], first["origin"]) == ("PRB1", "new", "manual")
        await call("POST", "/v1/problems", 401, as_={}, json=body)
        await call("POST", "/v1/problems", 403, as_=VIEWER, json=body)
        await call("POST", "/v1/problems", 422, json={"statement": ""})
        await call("POST", "/v1/problems", 422, json={**body, "state": "closed"})
        listed = await call("GET", "/v1/problems?service=checkout&state=new", 200, as_=VIEWER)
        assert [p["number"] for p in listed["problems"]] == ["PRB1"] and listed["total"] == 1
        await call("GET", "/v1/problems?state=open", 422, as_=VIEWER)
        await call("GET", "/v1/problems/PRB99", 404, as_=VIEWER)
        await call("GET", "/v1/problems/x/../y", 404, as_=VIEWER)
        patched = await call("PATCH", "/v1/problems/PRB1", 200, json={"assignee": "bob"})
        assert patched["assignee"] == "bob" and patched["version"] == 2
        await call("PATCH", "/v1/problems/PRB1", 422, json={"statement": None})
        await call("PATCH", f"/v1/problems/{uuid4()}", 404, json={"assignee": "x"})
        await call("GET", "/v1/problems/observed-incidents", 200, as_=VIEWER)

        # Links: by hand, elsewhere (409 unless moved), unknown incident, unlink.
        link = await call("POST", "/v1/problems/PRB1/links", 201, json={"incident_id": str(a)})
        assert link["origin"] == "manual"
        await call("POST", "/v1/problems/PRB1/links", 201, json={"incident_id": str(b)})
        await call("POST", "/v1/problems/PRB2/links", 409, json={"incident_id": str(a)})
        await call("POST", "/v1/problems/PRB1/links", 404, json={"incident_id": str(uuid4())})
        await call("POST", "/v1/problems/PRB2/links", 201, json={"incident_id": str(c)})
        moved = {"incident_id": str(c), "move": True}
        await call("POST", "/v1/problems/PRB1/links", 201, json=moved)
        await call("DELETE", f"/v1/problems/PRB1/links/{c}", 204)
        await call("DELETE", f"/v1/problems/PRB1/links/{c}", 404)
        why = await call("GET", f"/v1/incidents/{a}/problem", 200, as_=VIEWER)
        assert (why["problem"]["number"], why["link"]["reason"]["origin"]) == ("PRB1", "manual")
        await call("GET", f"/v1/incidents/{c}/problem", 404, as_=VIEWER)

        # Tasks.
        task = await call("POST", "/v1/problems/PRB1/tasks", 201, json={"title": "find it"})
        await call("POST", "/v1/problems/PRB1/tasks", 422, json={"title": "x", "kind": "misc"})
        tasks = f"/v1/problem-tasks/{task['id']}"
        assert (await call("PATCH", tasks, 200, json={"assignee": "eve"}))["assignee"] == "eve"
        await call("POST", f"{tasks}/actions/complete", 409)
        await call("POST", f"{tasks}/actions/start", 200)
        await call("POST", f"{tasks}/actions/fly", 422)
        await call("POST", f"/v1/problem-tasks/{uuid4()}/actions/start", 404)
        second_task = await call("POST", "/v1/problems/PRB1/tasks", 201, json={"title": "fix"})
        assert (await call("GET", tasks, 200, as_=VIEWER))["state"] == "in_progress"

        # Known errors.
        signature = {"pattern": "<*> is down", "service": "checkout"}
        known_body = {
            "problem_id": first["id"],
            "title": "pool",
            "signature": signature,
            "workaround": "restart",
        }
        known = await call("POST", "/v1/known-errors", 201, json=known_body)
        await call("POST", "/v1/known-errors", 404, json={**known_body, "problem_id": str(c)})
        bad_pattern = {**known_body, "signature": {"pattern": "<*>"}}
        await call("POST", "/v1/known-errors", 422, json=bad_pattern)
        known_path = f"/v1/known-errors/{known['id']}"
        await call("PATCH", known_path, 200, json={"workaround": "raise the pool size"})
        await call("PATCH", known_path, 422, json={"workaround": None})
        await call("POST", f"{known_path}/actions/publish", 200)
        await call("POST", f"{known_path}/actions/publish", 409)
        published = await call("GET", "/v1/known-errors?state=published", 200, as_=VIEWER)
        assert [k["workaround"] for k in published["known_errors"]] == ["raise the pool size"]
        await call("GET", f"/v1/known-errors/{uuid4()}", 404, as_=VIEWER)

        # Suggestions: accept links with origin suggestion; a second decision is 409.
        suggested = await _suggest(runtime, topic_prefix, survivor["id"], c)
        pending = await call("GET", "/v1/problem-suggestions?status=pending", 200, as_=VIEWER)
        assert [s["id"] for s in pending["suggestions"]] == [suggested]
        accepted = await call("POST", f"/v1/problem-suggestions/{suggested}/accept", 200)
        assert accepted["status"] == "accepted"
        await call("POST", f"/v1/problem-suggestions/{suggested}/reject", 409)
        await call("POST", f"/v1/problem-suggestions/{suggested}/maybe", 422)
        await call("POST", f"/v1/problem-suggestions/{uuid4()}/reject", 404)
        why = await call("GET", f"/v1/incidents/{c}/problem", 200, as_=VIEWER)
        assert why["link"]["origin"] == "suggestion" and why["link"]["confidence"] == 0.71

        # Transitions: illegal 409, missing code 422, duplicate moves links and cancels tasks.
        await call("POST", "/v1/problems/PRB1/actions/close", 409)
        await call("POST", "/v1/problems/PRB1/actions/resolve", 422)
        await call("POST", "/v1/problems/PRB1/actions/assess", 200)
        dup = {"resolution": "duplicate", "duplicate_of": str(uuid4())}
        await call("POST", "/v1/problems/PRB1/actions/resolve", 404, json=dup)
        dup["duplicate_of"] = survivor["id"]
        resolved = await call("POST", "/v1/problems/PRB1/actions/resolve", 200, json=dup)
        assert (resolved["state"], resolved["resolution"]) == ("resolved", "duplicate")
        shown = await call("GET", "/v1/problems/PRB2", 200, as_=VIEWER)
        assert {link["incident_id"] for link in shown["links"]} == {str(a), str(b), str(c)}
        gone = await call("GET", "/v1/problems/PRB1", 200, as_=VIEWER)
        assert gone["links"] == [] and set(gone["state_times"]) == {"new", "assess", "resolved"}
        assert {t["state"] for t in gone["tasks"]} == {"cancelled"}
        assert [k["id"] for k in gone["known_errors"]] == [known["id"]]
        await call("POST", f"/v1/problem-tasks/{second_task['id']}/actions/start", 409)
        history = await call("GET", "/v1/problems/PRB1/history", 200, as_=VIEWER)

    types = [h["type"] for h in history["history"]]
    assert types[:2] == ["tocsin.problem.created.v1", "tocsin.problem.updated.v1"]
    assert "tocsin.problem.known_error_changed.v1" in types
    # c unlinked by hand; a and b moved to the survivor (c left PRB2 for PRB1: PRB2's history).
    assert types.count("tocsin.problem.incident_unlinked.v1") == 3
    assert {h["actor"]["id"] for h in history["history"]} == {"alice"}  # the responder token's user

    # Every change: one history row and one outbox row, and each outbox row reaches Kafka.
    rows = await _fetch(database, "SELECT type FROM problem.problem_history ORDER BY seq")
    outbox = await _fetch(
        database,
        "SELECT headers->>'ce_type' AS type FROM problem.outbox WHERE topic = $1 ORDER BY id",
        PROBLEM_EVENTS.qualified(topic_prefix),
    )
    assert [r["type"] for r in rows] == [r["type"] for r in outbox]
    on_kafka = await read_all(
        infra.bootstrap_servers,
        PROBLEM_EVENTS.qualified(topic_prefix),
        expect=len(outbox),
        timeout_s=TIMEOUT_S,
    )
    assert len(on_kafka) == len(outbox)
    assert sorted(dict(m.headers)["ce_type"].decode() for m in on_kafka) == sorted(
        r["type"] for r in outbox
    )


async def test_the_postgres_repositories_correlation_relies_on(database: str) -> None:
    """open_by_key, published known errors, remembered rejections, waiting incidents, and the
    problem's templates: on real Postgres, without a runtime."""
    await migrate.apply(database, schema=SCHEMA, directory=MIGRATIONS, component="problem")
    pool = await create_pool(database, schema=SCHEMA)
    system = Actor(kind="system", id="tocsin-problem")
    now = datetime.now(UTC)
    try:
        async with ProblemUnitOfWork(pool) as uow:
            problem = Problem.open(
                problem_id=uuid4(),
                number=await uow.problems.next_number(),
                statement="pool",
                origin=ProblemOrigin.RULE,
                actor=system,
                now=now,
                service="checkout",
                rule="recurrence",
                recurrence_key="checkout|pool <*>",
            )
            await uow.problems.add(problem)
            incident, other = uuid4(), uuid4()
            reason = LinkReason(origin=LinkOrigin.RULE, rule="recurrence")
            link = Link(incident, problem.id, reason, system, now, confidence=1.0)
            assert await uow.links.link(link, service="checkout", template="pool <*>")
            assert not await uow.links.link(link, service="checkout", template="pool <*>")
            known = KnownError.create(
                known_error_id=uuid4(),
                problem_id=problem.id,
                title="pool",
                signature=Signature(pattern="pool <*>"),
                workaround="restart",
                actor=system,
                now=now,
            )
            known.apply(KnownErrorAction.PUBLISH, actor=system, now=now)
            await uow.known_errors.add(known)
            rejected = Suggestion.propose(
                suggestion_id=uuid4(),
                problem_id=problem.id,
                incident_id=other,
                template="disk <*>",
                score=0.5,
                reason=LinkReason(origin=LinkOrigin.SIMILARITY, score=0.5),
                actor=system,
                now=now,
            )
            await uow.suggestions.add(rejected)
            rejected.decide(Decision.REJECT, actor=system, now=now)
            await uow.suggestions.save(rejected)
            for event in [*problem.events, *known.events, *rejected.events]:
                await uow.record(event)  # type: ignore[arg-type]
            await uow.commit()
        async with ProblemUnitOfWork(pool) as uow:
            found = await uow.problems.open_by_key("checkout|pool <*>")
            assert found is not None and found.id == problem.id and found.rule == "recurrence"
            assert await uow.problems.open_by_key("checkout|disk <*>") is None
            assert [k.id for k in await uow.known_errors.published()] == [known.id]
            assert await uow.suggestions.is_rejected(problem.id, "disk <*>")
            assert not await uow.suggestions.is_rejected(problem.id, "pool <*>")
            assert await uow.links.waiting(problem.id) == (incident,)  # not seen: not resolved
            stored = await uow.links.of_incident(incident)
            assert stored is not None and stored.reason == reason and stored.confidence == 1.0
        templates = await _fetch(
            database, "SELECT service, template FROM problem.problem_templates"
        )
        assert [tuple(r) for r in templates] == [("checkout", "pool <*>")]
        history = await _fetch(database, "SELECT count(*) AS n FROM problem.problem_history")
        # created; known error created, published; suggestion proposed, rejected
        assert history[0]["n"] == 5
    finally:
        await pool.close()
