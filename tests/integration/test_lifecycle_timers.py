"""Snooze, acknowledgement timeout and auto-resolve on real Postgres and Kafka, across a restart.

The runtime runs on a FakeClock: a timer is due only once the test moves the clock, so "the
service was down when it came due" is exact, not a race.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from ..infra import Infra, eventually
from .incident_runtime import migrate_incident
from .lifecycle_support import T0, Lifecycle, config_with

RETRIGGERED = "tocsin.incident.retriggered.v1"


@pytest.fixture
async def lifecycle(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[Lifecycle]:
    await migrate_incident(database)
    service = Lifecycle(
        infra,
        database,
        topic_prefix,
        config_with(ack_timeout_minutes=10, auto_resolve_minutes=120),
    )
    try:
        yield service
    finally:
        await service.stop()


async def _status_is(lifecycle: Lifecycle, incident_id: object, status: str) -> bool:
    return bool((await lifecycle.incident(incident_id))["status"] == status)  # type: ignore[arg-type]


async def test_a_snooze_survives_a_restart_and_retriggers_once(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    incident_id = await lifecycle.alert("db-down")
    assert (await lifecycle.post(f"/v1/incidents/{incident_id}/acknowledge")).status_code == 200
    snoozed = await lifecycle.post(f"/v1/incidents/{incident_id}/snooze", {"minutes": 60})
    assert snoozed.status_code == 200, snoozed.text
    assert await lifecycle.live_timer("incident.snooze", incident_id) == T0 + timedelta(hours=1)
    # the snooze replaced the acknowledgement timeout
    assert await lifecycle.live_timer("incident.ack-timeout", incident_id) is None
    await lifecycle.stop()

    lifecycle.clock.advance(timedelta(hours=1, minutes=5))  # due while the service was down
    await lifecycle.start()
    await eventually(lambda: _status_is(lifecycle, incident_id, "triggered"), timeout_s=30)

    events = await lifecycle.events(expect=4)
    assert [t for t, _ in events] == [
        "tocsin.incident.triggered.v1",
        "tocsin.incident.acknowledged.v1",
        "tocsin.incident.snoozed.v1",
        RETRIGGERED,
    ]
    retriggered = events[-1][1]
    assert retriggered["reason"] == "snooze_expired"
    assert retriggered["actor"] == {"kind": "system", "id": "tocsin"}
    timeline = await lifecycle.timeline(incident_id)
    assert [k for k, _, _ in timeline if k == "retriggered"] == ["retriggered"]
    assert timeline[-1][:2] == ("retriggered", "system")
    row = await lifecycle.incident(incident_id)
    assert row["snoozed_until"] is None and row["acknowledged_at"] is None
    assert await lifecycle.live_timer("incident.snooze", incident_id) is None


async def test_an_ack_timeout_survives_a_restart_and_retriggers_once(
    lifecycle: Lifecycle,
) -> None:
    await lifecycle.start()
    incident_id = await lifecycle.alert("queue-stuck")
    assert (await lifecycle.post(f"/v1/incidents/{incident_id}/acknowledge")).status_code == 200
    assert await lifecycle.live_timer("incident.ack-timeout", incident_id) == T0 + timedelta(
        minutes=10
    )
    await lifecycle.stop()

    lifecycle.clock.advance(timedelta(minutes=30))
    await lifecycle.start()
    await eventually(lambda: _status_is(lifecycle, incident_id, "triggered"), timeout_s=30)

    events = await lifecycle.events(expect=3)
    assert [t for t, _ in events] == [
        "tocsin.incident.triggered.v1",
        "tocsin.incident.acknowledged.v1",
        RETRIGGERED,
    ]
    assert events[-1][1]["reason"] == "ack_timeout"
    fired = await lifecycle.fetch(
        "SELECT count(*) AS n FROM incident.timers WHERE kind = 'incident.ack-timeout'"
        " AND fired_at IS NOT NULL"
    )
    assert fired[0]["n"] == 1
    assert [k for k, _, _ in await lifecycle.timeline(incident_id)].count("retriggered") == 1


async def test_unacknowledging_cancels_the_ack_timeout(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    incident_id = await lifecycle.alert("disk-full")
    await lifecycle.post(f"/v1/incidents/{incident_id}/acknowledge")
    assert await lifecycle.live_timer("incident.ack-timeout", incident_id) is not None
    assert (await lifecycle.post(f"/v1/incidents/{incident_id}/unacknowledge")).status_code == 200
    assert await lifecycle.live_timer("incident.ack-timeout", incident_id) is None


async def test_auto_resolve_counts_quiet_time_from_the_last_alert(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    incident_id = await lifecycle.alert("cpu-hot")
    assert await lifecycle.live_timer("incident.auto-resolve", incident_id) == T0 + timedelta(
        hours=2
    )
    lifecycle.clock.advance(timedelta(hours=1))
    assert await lifecycle.alert("cpu-hot") == incident_id  # absorbed: the timer moves
    moved = T0 + timedelta(hours=3)
    assert await lifecycle.live_timer("incident.auto-resolve", incident_id) == moved

    lifecycle.clock.advance(timedelta(hours=2, minutes=1))
    await eventually(lambda: _status_is(lifecycle, incident_id, "resolved"), timeout_s=30)
    kind, actor, detail = (await lifecycle.timeline(incident_id))[-1]
    assert (kind, actor, detail) == (
        "resolved",
        "system",
        {"reason": "auto_resolved_after_inactivity"},
    )
    events = await lifecycle.events(expect=2)
    assert [t for t, _ in events] == ["tocsin.incident.triggered.v1", "tocsin.incident.resolved.v1"]
    assert events[-1][1]["actor"]["kind"] == "system"
