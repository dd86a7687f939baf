"""Problem events through the real incident service (Postgres + Kafka): a link and a known
workaround reach the timeline and GET /v1/incidents/{id}; a fixed problem resolves its open
waiting incidents with the reason on their timelines and their event on Kafka; anything else
changes nothing, is consumed once and never dead-lettered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from tocsin_shared.contracts.envelope import envelope_for, to_kafka
from tocsin_shared.contracts.events import (
    Actor,
    EventData,
    KnownErrorMatchedV1,
    LinkOrigin,
    LinkReason,
    ProblemCreatedV1,
    ProblemIncidentLinkedV1,
    ProblemOrigin,
    ProblemResolvedV1,
    ResolutionCode,
)
from tocsin_shared.contracts.topics import PROBLEM_EVENTS, dead_letter

from ..infra import Infra, eventually
from ..kafka_tools import produce, read_all
from .incident_runtime import migrate_incident
from .lifecycle_support import AUTH, T0, Lifecycle, config_with

ANN = Actor(kind="user", id="ann")


@pytest.fixture
async def service(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[Lifecycle]:
    await migrate_incident(database)
    service = Lifecycle(infra, database, topic_prefix, config_with())
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def publish(service: Lifecycle, *events: tuple[EventData, str]) -> None:
    records = []
    for event, event_id in events:
        record = to_kafka(envelope_for(event, source="/tocsin/problem", event_id=event_id))
        records.append((record.key, record.value, record.headers))
    topic = PROBLEM_EVENTS.qualified(service.prefix)
    await produce(service.infra.bootstrap_servers, topic, records)


async def detail(service: Lifecycle, incident: UUID) -> dict[str, Any]:
    assert service.runtime is not None
    transport = httpx.ASGITransport(app=service.runtime.app(title="test"))
    async with httpx.AsyncClient(transport=transport, base_url="http://incident") as client:
        answer = await client.get(f"/v1/incidents/{incident}", headers=AUTH)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def entries(body: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [e for e in body["timeline"] if e["kind"].startswith(prefix)]


async def test_a_link_and_a_known_workaround_reach_the_incident_once(service: Lifecycle) -> None:
    incident = await service.alert("db-pool")
    problem, known_error = uuid4(), uuid4()
    common: dict[str, Any] = {"problem_id": problem, "occurred_at": T0, "actor": ANN}
    reason = LinkReason(origin=LinkOrigin.SIMILARITY, score=0.93, matched_incident_ids=(incident,))
    link = ProblemIncidentLinkedV1(
        incident_id=incident, number=12, statement="DB pool exhausted", reason=reason, **common
    )
    match = KnownErrorMatchedV1(
        incident_id=incident,
        known_error_id=known_error,
        title="Pool leak in v2.3",
        workaround="restart the pool",
        number=12,
        **common,
    )
    created = ProblemCreatedV1(number=12, statement="x", origin=ProblemOrigin.MANUAL, **common)
    stranger = link.model_copy(update={"incident_id": uuid4()})
    await publish(
        service,
        (created, "p-created"),
        (stranger, "p-stranger"),
        (link, "p-link"),
        (link, "p-link"),  # a redelivery
        (match, "p-match"),
    )

    async def both() -> dict[str, Any] | None:
        body = await detail(service, incident)
        return body if len(entries(body, "problem.")) >= 2 else None

    body = await eventually(both, timeout_s=60)
    assert body["problem"] == {"id": str(problem), "number": 12, "statement": "DB pool exhausted"}
    assert body["workaround"] == "restart the pool"
    linked, matched = entries(body, "problem.")
    assert (linked["kind"], linked["actor_kind"], linked["actor_id"]) == (
        "problem.linked",
        "user",
        "ann",
    )
    assert linked["detail"]["text"] == "Linked to problem PRB12: DB pool exhausted"
    assert linked["detail"]["reason"]["origin"] == "similarity"
    assert linked["detail"]["reason"]["score"] == 0.93
    assert matched["kind"] == "problem.known_error_matched"
    assert matched["detail"]["known_error_id"] == str(known_error)
    assert matched["detail"]["workaround"] == "restart the pool"
    assert "Pool leak in v2.3" in matched["detail"]["text"]

    # Every record was consumed (inbox), none dead-lettered, and the stranger changed nothing.
    async def consumed() -> bool:
        rows = await service.fetch("SELECT event_id FROM incident.inbox")
        return {"p-created", "p-stranger", "p-link", "p-match"} <= {r["event_id"] for r in rows}

    assert await eventually(consumed, timeout_s=60)
    dlq = dead_letter(PROBLEM_EVENTS).qualified(service.prefix)
    assert await read_all(service.infra.bootstrap_servers, dlq, expect=1, timeout_s=5) == []
    assert len(entries(await detail(service, incident), "problem.")) == 2


async def test_a_fix_resolves_open_waiting_incidents_and_nothing_else_does(
    service: Lifecycle,
) -> None:
    waiting = await service.alert("api-5xx")
    done = await service.alert("api-latency")
    assert (await service.post(f"/v1/incidents/{done}/resolve")).status_code == 200
    done_before = await detail(service, done)
    problem = uuid4()

    def resolution(code: ResolutionCode) -> ProblemResolvedV1:
        return ProblemResolvedV1(
            problem_id=problem,
            occurred_at=T0,
            actor=ANN,
            number=3,
            statement="API errors",
            resolution=code,
            fix_notes="connection limit raised",
            waiting_incident_ids=(waiting, done),
        )

    await publish(service, (resolution(ResolutionCode.RISK_ACCEPTED), "r-accepted"))

    async def noted() -> list[dict[str, Any]] | None:
        found = entries(await detail(service, waiting), "problem.resolved")
        return found or None

    (note,) = await eventually(noted, timeout_s=60)
    assert note["detail"]["resolution"] == "risk_accepted"
    assert (await detail(service, waiting))["status"] == "triggered"

    await publish(service, (resolution(ResolutionCode.FIX_APPLIED), "r-fixed"))

    async def resolved() -> dict[str, Any] | None:
        body = await detail(service, waiting)
        return body if body["status"] == "resolved" else None

    body = await eventually(resolved, timeout_s=60)
    last = body["timeline"][-1]
    assert (last["kind"], last["actor_kind"], last["actor_id"]) == ("resolved", "user", "ann")
    assert last["detail"]["reason"] == "problem PRB3 fixed — connection limit raised"
    # The already resolved incident is untouched: only the risk-accepted note came to it.
    done_after = await detail(service, done)
    assert done_after["resolved_at"] == done_before["resolved_at"]
    assert [e["kind"] for e in done_after["timeline"]] == [
        e["kind"] for e in done_before["timeline"]
    ] + ["problem.resolved"]

    events = await service.events(expect=4)  # two triggers, two resolutions
    resolutions = [d for t, d in events if t == "tocsin.incident.resolved.v1"]
    assert len(resolutions) == 2
    assert {(d["incident_id"], d["actor"]["id"]) for d in resolutions} == {
        (str(done), "alice"),
        (str(waiting), "ann"),
    }
