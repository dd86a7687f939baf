"""Heartbeat state changes and the processor's screen, with in-memory fakes of every port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tocsin_incident.domain.heartbeats import (
    Effect,
    HeartbeatState,
    HeartbeatStatus,
    IgnoredSignal,
    Signal,
)
from tocsin_incident.domain.silences import Matcher, Silence, Suppressions
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_incident.handlers.heartbeats import AlertScreen, on_deadline, ping
from tocsin_incident.ports import UnitOfWork
from tocsin_shared.clock import FakeClock
from tocsin_shared.config.models import Heartbeat
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import IncidentStatus, Severity

from .fakes_incident import FakeWorld

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
WATCHDOG = Heartbeat(
    name="prom-watchdog",
    service="checkout",
    interval_minutes=5,
    integration="prom",
    match={"alertname": "Watchdog"},
)


class FakeSuppressions:
    def __init__(self) -> None:
        self.current = Suppressions()

    async def live(self, now: datetime) -> Suppressions:
        return self.current


class FakeHeartbeats:
    """Heartbeat rows and deadline timers (kept on `arm`, like a timer row in the transaction)."""

    def __init__(self) -> None:
        self.rows: dict[str, HeartbeatStatus] = {}
        self.deadlines: dict[str, datetime] = {}

    async def arm(self, name: str, *, due_at: datetime) -> None:
        self.deadlines[name] = due_at

    async def get(self, name: str) -> HeartbeatStatus | None:
        found = self.rows.get(name)
        return HeartbeatStatus(**vars(found)) if found else None

    async def save(self, status: HeartbeatStatus) -> None:
        self.rows[status.name] = HeartbeatStatus(**vars(status))


class World(FakeWorld):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock(T0)
        self.suppressions = FakeSuppressions()
        self.heartbeats = FakeHeartbeats()
        self.screen = AlertScreen(heartbeats=(WATCHDOG,), ports=self.ports)

    def ports(self, uow: UnitOfWork) -> tuple[FakeSuppressions, FakeHeartbeats]:
        return self.suppressions, self.heartbeats

    async def alert(self, action: str = "trigger", **fields: object) -> str:
        values: dict[str, object] = {
            "integration": "prom",
            "service": "checkout",
            "dedup_key": "k1",
            "action": action,
            "received_at": self.clock.now(),
            **fields,
        }
        raw = RawAlertV1.model_validate(values)
        return await process_raw_alert(
            raw,
            identity=str(raw.alert_id),
            uow_factory=self.uow,
            clock=self.clock,
            screen=self.screen,
        )

    async def deadline(self) -> str | None:
        return await on_deadline(WATCHDOG, uow=self.uow(), ports=self.ports, now=self.clock.now())

    def heartbeat_incidents(self) -> list[tuple[IncidentStatus, Severity, str]]:
        return [
            (i.status, i.severity, i.summary)
            for i in self.incidents.rows.values()
            if i.dedup_key == "heartbeat:prom-watchdog"
        ]


def test_the_transition_table() -> None:
    status = HeartbeatStatus("hb")
    with pytest.raises(IgnoredSignal):  # never pinged: no deadline runs
        status.apply(Signal.DEADLINE, interval=MINUTE, now=T0)
    assert status.apply(Signal.PING, interval=MINUTE, now=T0) is Effect.NONE
    assert (status.state, status.next_due_at) == (HeartbeatState.OK, T0 + MINUTE)
    assert status.apply(Signal.DEADLINE, interval=MINUTE, now=T0 + MINUTE) is Effect.OPEN_INCIDENT
    assert status.state is HeartbeatState.MISSED
    with pytest.raises(IgnoredSignal):  # one miss, one incident
        status.apply(Signal.DEADLINE, interval=MINUTE, now=T0 + 2 * MINUTE)
    assert status.apply(Signal.PING, interval=MINUTE, now=T0 + 3 * MINUTE) is (
        Effect.RESOLVE_INCIDENT
    )
    assert (status.state, status.missed_at) == (HeartbeatState.OK, None)


async def test_missed_opens_one_critical_incident_and_the_next_ping_resolves_it() -> None:
    world = World()
    await ping(WATCHDOG, uow_factory=world.uow, ports=world.ports, clock=world.clock)
    assert world.heartbeats.deadlines["prom-watchdog"] == T0 + 5 * MINUTE
    world.clock.advance(5 * MINUTE)
    assert await world.deadline() == "opened"
    assert await world.deadline() is None  # a second firing changes nothing
    assert world.heartbeat_incidents() == [
        (IncidentStatus.TRIGGERED, Severity.CRITICAL, "Heartbeat prom-watchdog missed")
    ]
    (event,) = world.published
    assert (event.ce_type(), event.actor.kind) == ("tocsin.incident.triggered.v1", "system")
    world.clock.advance(MINUTE)
    await ping(WATCHDOG, uow_factory=world.uow, ports=world.ports, clock=world.clock)
    assert [s for s, _, _ in world.heartbeat_incidents()] == [IncidentStatus.RESOLVED]
    assert world.heartbeats.rows["prom-watchdog"].state is HeartbeatState.OK


async def test_a_deadline_moved_by_a_ping_since_it_was_armed_does_nothing() -> None:
    world = World()
    await ping(WATCHDOG, uow_factory=world.uow, ports=world.ports, clock=world.clock)
    world.clock.advance(4 * MINUTE)
    await ping(WATCHDOG, uow_factory=world.uow, ports=world.ports, clock=world.clock)
    world.clock.advance(2 * MINUTE)  # past the first deadline, before the second
    assert await world.deadline() is None
    assert world.heartbeat_incidents() == []


async def test_a_watchdog_alert_is_a_ping_only_and_other_alerts_ping_and_open() -> None:
    world = World()
    assert await world.alert(labels={"alertname": "Watchdog"}) == "heartbeat_ping:prom-watchdog"
    assert world.incidents.rows == {}
    assert world.heartbeats.rows["prom-watchdog"].last_ping_at == T0
    world.clock.advance(MINUTE)
    assert await world.alert(labels={"alertname": "DiskFull"}) == "opened"
    assert world.heartbeats.rows["prom-watchdog"].last_ping_at == T0 + MINUTE
    # the same labels from another integration are not this heartbeat's watchdog
    assert await world.alert(integration="other", dedup_key="k2", labels={"alertname": "Watchdog"})
    assert world.heartbeats.rows["prom-watchdog"].last_ping_at == T0 + MINUTE


async def test_a_watchdog_after_a_miss_resolves_the_heartbeat_incident() -> None:
    world = World()
    await world.alert(labels={"alertname": "Watchdog"})
    world.clock.advance(6 * MINUTE)
    assert await world.deadline() == "opened"
    await world.alert(labels={"alertname": "Watchdog"})
    assert [s for s, _, _ in world.heartbeat_incidents()] == [IncidentStatus.RESOLVED]


async def test_a_silenced_trigger_is_recorded_not_opened_and_follow_ups_still_apply() -> None:
    world = World()
    assert await world.alert(dedup_key="open-before") == "opened"
    silence = Silence.create(
        [Matcher.create("team", "db", is_regex=False, is_equal=True)],
        starts_at=T0,
        ends_at=T0 + 60 * MINUTE,
        created_by="alice",
        comment="",
        now=T0,
    )
    world.suppressions.current = Suppressions(silences=(silence,))
    outcome = await world.alert(integration="x", dedup_key="db", labels={"team": "db"})
    assert outcome == f"suppressed:silence:{silence.id}"
    assert [o for _, o in world.incidents.alerts.values()].count(outcome) == 1
    assert len(world.incidents.rows) == 1
    assert await world.alert("resolve", integration="x", dedup_key="open-before") == "resolved"
    world.clock.advance(61 * MINUTE)  # the silence is over: Alertmanager's re-send opens it
    assert await world.alert(integration="x", dedup_key="db", labels={"team": "db"}) == "opened"
