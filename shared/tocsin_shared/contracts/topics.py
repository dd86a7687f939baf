"""The topic registry: every topic Tocsin uses, its partition count and what keys it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    key: str
    description: str

    def qualified(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}"


ALERTS_RAW = TopicSpec(
    "tocsin.alerts.raw.v1", 12, "dedup key", "Raw alerts from every ingest path, native format"
)
INCIDENT_EVENTS = TopicSpec(
    "tocsin.incident.events.v1", 12, "incident id", "Incident lifecycle events (CloudEvents)"
)
PROBLEM_EVENTS = TopicSpec(
    "tocsin.problem.events.v1", 6, "problem id", "Problem management events (CloudEvents)"
)
SLA_EVENTS = TopicSpec("tocsin.sla.events.v1", 6, "incident id", "SLA clock events (CloudEvents)")
NOTIFICATION_EVENTS = TopicSpec(
    "tocsin.notification.events.v1", 6, "incident id", "Notification ledger events (CloudEvents)"
)

PRIMARY_TOPICS: tuple[TopicSpec, ...] = (
    ALERTS_RAW,
    INCIDENT_EVENTS,
    PROBLEM_EVENTS,
    SLA_EVENTS,
    NOTIFICATION_EVENTS,
)

DLQ_SUFFIX = ".dlq"


def dead_letter(topic: TopicSpec) -> TopicSpec:
    """Each consumed topic has one dead-letter topic; the consumer group is named in a header."""
    return TopicSpec(
        f"{topic.name}{DLQ_SUFFIX}",
        1,
        "original key",
        f"Poison messages from {topic.name}, with error and attempt count in headers",
    )


ALL_TOPICS: tuple[TopicSpec, ...] = PRIMARY_TOPICS + tuple(dead_letter(t) for t in PRIMARY_TOPICS)
