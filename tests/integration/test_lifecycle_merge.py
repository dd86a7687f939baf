"""Merge and reopen on real Postgres and Kafka: both timelines, the counts, the events, the 409s."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tocsin_incident.adapters.postgres import IncidentUnitOfWork
from tocsin_incident.domain.model import Command, Conflict, Incident
from tocsin_shared.contracts.events import Actor
from tocsin_shared.db.pool import create_pool

from ..infra import Infra
from .incident_runtime import migrate_incident
from .lifecycle_support import T0, Lifecycle, config_with


@pytest.fixture
async def lifecycle(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[Lifecycle]:
    await migrate_incident(database)
    service = Lifecycle(infra, database, topic_prefix, config_with())
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def test_merge_moves_the_source_into_the_target(lifecycle: Lifecycle) -> None:
    source = await lifecycle.alert("api-5xx")
    assert await lifecycle.alert("api-5xx") == source  # two alerts on the source
    target = await lifecycle.alert("api-latency")

    merged = await lifecycle.post(f"/v1/incidents/{source}/merge", {"into": str(target)})
    assert merged.status_code == 200, merged.text

    source_row, target_row = await lifecycle.incident(source), await lifecycle.incident(target)
    assert (source_row["status"], source_row["merged_into"]) == ("resolved", target)
    assert (target_row["status"], target_row["alert_count"]) == ("triggered", 3)
    source_timeline = await lifecycle.timeline(source)
    assert source_timeline[-2][0] == "resolved"
    assert source_timeline[-2][2] == {"reason": f"merged into {target}"}
    assert source_timeline[-1][0] == "merged"
    kind, actor, detail = (await lifecycle.timeline(target))[-1]
    assert (kind, actor, detail["source_incident_id"], detail["alert_count"]) == (
        "merged",
        "user",
        str(source),
        2,
    )

    events = await lifecycle.events(expect=5)

    def of(incident_id: object) -> list[str]:  # ordered per incident (its partition key)
        return [t for t, d in events if d["incident_id"] == str(incident_id)]

    assert of(source) == [
        "tocsin.incident.triggered.v1",
        "tocsin.incident.resolved.v1",
        "tocsin.incident.merged.v1",
    ]
    assert of(target) == ["tocsin.incident.triggered.v1", "tocsin.incident.merged.v1"]

    for body_into, incident in ((target, source), (source, target), (target, target)):
        refused = await lifecycle.post(f"/v1/incidents/{incident}/merge", {"into": str(body_into)})
        assert refused.status_code == 409, refused.text
    assert (await lifecycle.incident(target))["alert_count"] == 3


async def test_reopen_is_409_while_a_newer_incident_holds_the_key(lifecycle: Lifecycle) -> None:
    old = await lifecycle.alert("cache-miss")
    assert (await lifecycle.post(f"/v1/incidents/{old}/resolve")).status_code == 200
    new = await lifecycle.alert("cache-miss")
    assert new != old
    refused = await lifecycle.post(f"/v1/incidents/{old}/reopen")
    assert refused.status_code == 409
    assert str(new) in refused.json()["error"]["message"]

    assert (await lifecycle.post(f"/v1/incidents/{new}/resolve")).status_code == 200
    reopened = await lifecycle.post(f"/v1/incidents/{old}/reopen")
    assert reopened.status_code == 200 and reopened.json()["status"] == "triggered"
    assert [k for k, _, _ in await lifecycle.timeline(old)][-1] == "reopened"


async def test_the_partial_unique_index_is_reported_as_a_conflict(
    lifecycle: Lifecycle, database: str
) -> None:
    """The race the handler's check cannot see: the repository turns the index into Conflict."""
    old = await lifecycle.alert("race")
    await lifecycle.post(f"/v1/incidents/{old}/resolve")
    await lifecycle.alert("race")
    pool = await create_pool(database, schema="incident")
    try:
        async with IncidentUnitOfWork(pool) as uow:
            incident = await uow.incidents.get(old, for_update=True)
            assert isinstance(incident, Incident)
            incident.apply(Command.REOPEN, actor=Actor(kind="user", id="alice"), at=T0)
            with pytest.raises(Conflict):
                await uow.incidents.save(incident)
    finally:
        await pool.close()
    assert (await lifecycle.incident(old))["status"] == "resolved"
