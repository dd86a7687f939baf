"""Known workarounds through the real notifier (Postgres + Kafka, durable timers, a webhook
receiver): a match after the first page sends its target one follow-up however often the event
is delivered, later escalation pages carry it, and a match before the trigger is in the first page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from tocsin_shared.clock import FakeClock
from tocsin_shared.config import parse_config
from tocsin_shared.contracts.envelope import envelope_for, to_kafka
from tocsin_shared.contracts.events import (
    Actor,
    EventData,
    IncidentTriggeredV1,
    KnownErrorMatchedV1,
    ProblemCreatedV1,
    ProblemOrigin,
)
from tocsin_shared.contracts.topics import PROBLEM_EVENTS

from ..infra import Infra, eventually
from ..kafka_tools import produce
from ..receiver import Receiver, running_receiver
from ..unit.fakes_notifier import escalation_yaml, incident_event
from .notifier_support import query, send, start_notifier

PROBLEM = uuid4()
SYSTEM = Actor(kind="system", id="problem")


def matched(incident: UUID, *, at: Any) -> KnownErrorMatchedV1:
    return KnownErrorMatchedV1(
        problem_id=PROBLEM,
        occurred_at=at,
        actor=SYSTEM,
        known_error_id=uuid4(),
        incident_id=incident,
        title="Pool leak",
        workaround="restart the pool",
        number=4,
    )


async def publish(infra: Infra, prefix: str, *events: tuple[EventData, str]) -> None:
    records = []
    for event, event_id in events:
        record = to_kafka(envelope_for(event, source="/tocsin/problem", event_id=event_id))
        records.append((record.key, record.value, record.headers))
    await produce(infra.bootstrap_servers, PROBLEM_EVENTS.qualified(prefix), records)


def bodies(receiver: Receiver, incident: UUID) -> list[dict[str, Any]]:
    found = [r.json() for r in receiver.received]
    return [b for b in found if b["incident"].get("id") == str(incident)]


async def consumed(database: str, event_id: str) -> bool:
    rows = await query(database, "SELECT 1 FROM notifier.inbox WHERE event_id = $1", event_id)
    return bool(rows)


async def test_a_known_workaround_reaches_pages_and_paged_targets_once(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    clock = FakeClock()
    early, late = uuid4(), uuid4()
    async with running_receiver() as receiver:
        config = parse_config(escalation_yaml(receiver.url), source="test")
        runtime = await start_notifier(infra, database, topic_prefix, config=config, clock=clock)
        try:
            # Matched before its trigger: the first page already carries the workaround.
            await publish(infra, topic_prefix, (matched(early, at=clock.now()), "m-early"))
            await eventually(lambda: consumed(database, "m-early"), timeout_s=60)
            await send(
                infra,
                topic_prefix,
                incident_event(IncidentTriggeredV1, early, at=clock.now()),
                incident_event(IncidentTriggeredV1, late, at=clock.now()),
            )

            async def first_pages() -> bool:
                return len(bodies(receiver, early)) == 1 and len(bodies(receiver, late)) == 1

            await eventually(first_pages, timeout_s=60)
            assert bodies(receiver, early)[0]["incident"]["workaround"] == "restart the pool"
            assert "workaround" not in bodies(receiver, late)[0]["incident"]

            # Matched after its first page, delivered twice: one follow-up to the paged target.
            match = matched(late, at=clock.now())
            sentinel = ProblemCreatedV1(
                problem_id=PROBLEM,
                occurred_at=clock.now(),
                actor=SYSTEM,
                number=4,
                statement="pool exhausted",
                origin=ProblemOrigin.RULE,
            )
            await publish(
                infra,
                topic_prefix,
                (match, "m-late"),
                (match, "m-late"),
                (sentinel, "created"),  # same key, same partition: read after both copies
            )
            await eventually(lambda: consumed(database, "created"), timeout_s=60)

            async def followed_up() -> list[dict[str, Any]] | None:
                found = [b for b in bodies(receiver, late) if b["type"] == "incident.workaround"]
                return found or None

            (follow_up,) = await eventually(followed_up, timeout_s=60)
            assert follow_up["channel"] == "l0"
            assert follow_up["message"] == "Known workaround for database down: restart the pool"
            assert follow_up["idempotency_key"].startswith(f"{late}:workaround:")

            # The next level's pages carry it.
            clock.advance(timedelta(minutes=1))

            async def second_level() -> bool:
                return all(
                    any(b["channel"] == "l1" for b in bodies(receiver, i)) for i in (early, late)
                )

            await eventually(second_level, timeout_s=60)
            for incident in (early, late):
                (l1,) = [b for b in bodies(receiver, incident) if b["channel"] == "l1"]
                assert l1["incident"]["workaround"] == "restart the pool"
            follow_ups = [b for b in bodies(receiver, late) if b["type"] == "incident.workaround"]
            assert len(follow_ups) == 1
            assert not [b for b in bodies(receiver, early) if b["type"] == "incident.workaround"]
        finally:
            await runtime.stop()
