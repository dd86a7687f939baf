"""What the chaos scenarios check: consumers caught up with their topics, pages by idempotency
key, SLA events by identity."""

from __future__ import annotations

from collections import Counter, defaultdict

from tocsin_shared.contracts.envelope import Envelope, from_kafka
from tocsin_shared.contracts.events import SlaAttachedV1, SlaBreachedV1
from tocsin_shared.contracts.topics import (
    ALERTS_RAW,
    INCIDENT_EVENTS,
    NOTIFICATION_EVENTS,
    PROBLEM_EVENTS,
    SLA_EVENTS,
    TopicSpec,
)

from ..infra import eventually
from .harness import ChaosSystem
from .probes import Load, committed, end_offsets, read_to_end

# Every consumed topic and the (service, consumer name) groups that read it.
CONSUMERS: dict[TopicSpec, tuple[tuple[str, str], ...]] = {
    ALERTS_RAW: (("incident", "processor"),),
    INCIDENT_EVENTS: (
        ("notifier", "incident-events"),
        ("problem", "incident-events"),
        ("sla-monitor", "incident-events"),
    ),
    PROBLEM_EVENTS: (("incident", "problem-events"), ("notifier", "problem-events")),
    SLA_EVENTS: (("notifier", "sla-events"),),
    NOTIFICATION_EVENTS: (("incident", "notifications"),),
}
POISON = b"{not json"
SETTLE_S = 180.0


async def lagging(system: ChaosSystem) -> dict[str, dict[int, tuple[int, int]]]:
    """Per consumer group behind: partition -> (committed, end)."""
    behind = {}
    for topic, consumers in CONSUMERS.items():
        ends = await end_offsets(system.bootstrap, system.topic(topic.name))
        for service, name in consumers:
            group = system.group(service, name)
            done = await committed(system.bootstrap, group, system.topic(topic.name))
            late = {p: (done.get(p, 0), end) for p, end in ends.items() if done.get(p, 0) != end}
            if late:
                behind[group] = late
    return behind


async def drained(system: ChaosSystem) -> None:
    """Wait until every consumer group has committed past the last record of its topics."""

    async def caught_up() -> bool:
        return not await lagging(system)

    try:
        await eventually(caught_up, timeout_s=SETTLE_S, interval_s=1.0)
    except AssertionError as exc:
        raise AssertionError(f"consumers behind: {await lagging(system)}") from exc


def page_key(incident_id: object) -> str:
    return f"{incident_id}:L0:ops-webhook:ops-webhook:c0"


async def accepted_grows(load: Load, by: int) -> None:
    target = load.accepted.total() + by

    async def reached() -> bool:
        return load.accepted.total() >= target

    await eventually(reached, timeout_s=SETTLE_S, interval_s=0.2)


async def sla_envelopes(system: ChaosSystem) -> list[Envelope]:
    """The SLA topic's events (the poison from the first scenario left out)."""
    records = await read_to_end(system.bootstrap, system.topic(SLA_EVENTS.name))
    return [
        from_kafka(headers=dict(r.headers), key=r.key, value=r.value)
        for r in records
        if r.value != POISON
    ]


async def sla_events_once(system: ChaosSystem, *, incidents: int) -> dict[str, int]:
    """Every clock attached and breached exactly once; no identity carries two different events.

    A record repeated with the same identity and the same content is the outbox's at-least-once
    relay (consumers drop it by id); two contents under one identity would be a double emission.
    """

    async def every_clock_breached() -> list[Envelope] | None:
        envelopes = await sla_envelopes(system)
        breached = {e.data.incident_id for e in envelopes if isinstance(e.data, SlaBreachedV1)}
        return envelopes if len(breached) == incidents else None

    try:
        envelopes = await eventually(every_clock_breached, timeout_s=SETTLE_S, interval_s=1.0)
    except AssertionError as exc:
        kinds = await sla_envelopes(system)
        attached = {e.data.incident_id for e in kinds if isinstance(e.data, SlaAttachedV1)}
        breached = {e.data.incident_id for e in kinds if isinstance(e.data, SlaBreachedV1)}
        raise AssertionError(
            f"{incidents} incidents, {len(attached)} clocks attached, {len(breached)} breached"
        ) from exc
    contents: defaultdict[str, set[str]] = defaultdict(set)
    for envelope in envelopes:
        contents[envelope.id].add(envelope.data.model_dump_json())
    doubled = {i: c for i, c in contents.items() if len(c) > 1}
    assert not doubled, doubled
    by_type = Counter(e.type.removeprefix("tocsin.sla.").removesuffix(".v1") for e in envelopes)
    identities = Counter(i.split("/")[2] for i in contents)
    assert identities["attached"] == identities["breached"] == incidents, identities
    assert identities["warning"] == 3 * incidents, identities  # at 50, 75 and 90 %
    return {"records": len(envelopes), "identities": len(contents)} | {
        f"records_{t}": n for t, n in by_type.items()
    }
