"""Problem events on the incident service's in-memory ports: links and workarounds are kept and
noted once, a fixed problem resolves its open waiting incidents through the lifecycle table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from tocsin_incident.domain.model import Command
from tocsin_incident.domain.problems import ProblemRef, fix_reason
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_incident.handlers.commands import change_status
from tocsin_incident.handlers.problems import INBOX_CONSUMER, on_problem_event
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import (
    Actor,
    IncidentResolvedV1,
    IncidentStatus,
    KnownErrorMatchedV1,
    LinkOrigin,
    LinkReason,
    ProblemCreatedV1,
    ProblemEventData,
    ProblemIncidentLinkedV1,
    ProblemOrigin,
    ProblemResolvedV1,
    ResolutionCode,
)

from .fakes_incident_problems import ProblemWorld

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PROBLEM = uuid4()
ANN = Actor(kind="user", id="ann")


async def trigger(world: ProblemWorld, clock: FakeClock, key: str) -> UUID:
    alert = RawAlertV1(integration="prom", service="checkout", dedup_key=key, received_at=NOW)
    await process_raw_alert(alert, identity=str(alert.alert_id), uow_factory=world.uow, clock=clock)
    incident = await world.incidents.open_for_key("checkout", key)
    assert incident is not None
    return incident.id


def common(**extra: Any) -> dict[str, Any]:
    return {"problem_id": PROBLEM, "occurred_at": NOW, "actor": ANN, **extra}


def linked(incident: UUID) -> ProblemIncidentLinkedV1:
    reason = LinkReason(origin=LinkOrigin.RULE, rule="db-recurrence", recurrence_key="k1")
    return ProblemIncidentLinkedV1(
        **common(incident_id=incident, number=7, statement="DB pool exhausted", reason=reason)
    )


def matched(incident: UUID) -> KnownErrorMatchedV1:
    return KnownErrorMatchedV1(
        **common(
            incident_id=incident,
            known_error_id=uuid4(),
            title="Pool leak",
            workaround="restart the pool",
            number=7,
        )
    )


def resolved(code: ResolutionCode, *waiting: UUID) -> ProblemResolvedV1:
    return ProblemResolvedV1(
        **common(
            number=7,
            statement="DB pool exhausted",
            resolution=code,
            fix_notes="pool size raised",
            waiting_incident_ids=waiting,
        )
    )


async def handle(world: ProblemWorld, event: ProblemEventData, event_id: str) -> str:
    return await on_problem_event(
        event,
        source="/tocsin/problem",
        event_id=event_id,
        uow_factory=world.problem_uow,
        clock=FakeClock(NOW),
    )


async def test_a_link_and_a_known_error_are_kept_and_noted_once() -> None:
    world, clock = ProblemWorld(), FakeClock(NOW)
    incident = await trigger(world, clock, "k")

    assert await handle(world, linked(incident), "e1") == "linked"
    assert await handle(world, linked(incident), "e1") == "duplicate"
    assert await handle(world, matched(incident), "e2") == "workaround_noted"

    # The match names no statement: the link's stays.
    assert world.problems[incident] == ProblemRef(PROBLEM, 7, "DB pool exhausted")
    assert world.workarounds[incident] == "restart the pool"
    (_, link), (_, known) = world.notes
    assert (link.kind, link.actor) == ("problem.linked", ANN)
    assert link.detail["text"] == "Linked to problem PRB7: DB pool exhausted"
    assert link.detail["reason"] == {
        "origin": "rule",
        "rule": "db-recurrence",
        "recurrence_key": "k1",
        "matched_incident_ids": [],
    }
    assert known.kind == "problem.known_error_matched"
    assert (known.detail["title"], known.detail["workaround"]) == ("Pool leak", "restart the pool")


async def test_a_match_alone_links_the_problem_without_a_statement() -> None:
    world, clock = ProblemWorld(), FakeClock(NOW)
    incident = await trigger(world, clock, "k")
    await handle(world, matched(incident), "e1")
    assert world.problems[incident] == ProblemRef(PROBLEM, 7, None)


async def test_unknown_incidents_and_other_types_are_recorded_and_ignored() -> None:
    world = ProblemWorld()
    assert await handle(world, linked(uuid4()), "e1") == "unknown_incident"
    assert await handle(world, matched(uuid4()), "e2") == "unknown_incident"
    created = ProblemCreatedV1(**common(number=7, statement="s", origin=ProblemOrigin.MANUAL))
    assert await handle(world, created, "e3") == "ignored"
    assert {e for _, _, e in world.inbox} == {"e1", "e2", "e3"}
    assert {c for c, _, _ in world.inbox} == {INBOX_CONSUMER}
    assert world.notes == [] and world.problems == {}


async def test_a_fix_resolves_open_waiting_incidents_only() -> None:
    world, clock = ProblemWorld(), FakeClock(NOW)
    open_one = await trigger(world, clock, "a")
    done = await trigger(world, clock, "b")
    await change_status(done, Command.RESOLVE, actor=ANN, uow_factory=world.uow, clock=clock)
    before = len(world.published)

    event = resolved(ResolutionCode.FIX_APPLIED, open_one, done, uuid4())
    assert await handle(world, event, "e1") == "resolved"
    assert await handle(world, event, "e1") == "duplicate"

    assert world.incidents.rows[open_one].status is IncidentStatus.RESOLVED
    (emitted,) = world.published[before:]  # nothing for the resolved one nor the stranger
    assert isinstance(emitted, IncidentResolvedV1)
    assert (emitted.incident_id, emitted.actor) == (open_one, ANN)


async def test_an_ending_without_a_fix_resolves_nothing_and_says_so() -> None:
    world, clock = ProblemWorld(), FakeClock(NOW)
    incident = await trigger(world, clock, "a")
    before = len(world.published)
    event = resolved(ResolutionCode.RISK_ACCEPTED, incident)
    assert await handle(world, event, "e1") == "not_fixed"
    assert world.incidents.rows[incident].status is IncidentStatus.TRIGGERED
    assert world.published[before:] == []
    ((_, note),) = world.notes
    assert note.detail["resolution"] == "risk_accepted"


def test_the_fix_reason_names_the_problem_and_its_notes() -> None:
    event = resolved(ResolutionCode.FIX_APPLIED)
    assert fix_reason(event) == "problem PRB7 fixed — pool size raised"
    assert fix_reason(event.model_copy(update={"fix_notes": None})) == "problem PRB7 fixed"
