"""Backtest core: replay stored incident events through a candidate rule set, changing nothing.

Input: the stored events in log order, each a mapping with `type` (the CloudEvents type, e.g.
`tocsin.incident.triggered.v1`) and `data` (its JSON data). Only `triggered` events are replayed
(one per incident: later ones for the same incident are ignored); the rest do not start an
incident. The replay runs on a fresh `MemoryCorrelator`, sorted by triggered_at (stable), with
the published known errors given, and answers what it would have done: problems, links (with
reasons) and suggestions. Given the recorded links (incident → problem), it scores the replay
against them over the replayed incidents: a replayed incident the recording left unlinked is its
own cluster there. No recorded link among the replayed incidents → no quality.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from tocsin_shared.config.loader import parse_config
from tocsin_shared.config.models import CorrelationRule, CorrelationSettings, Service
from tocsin_shared.contracts.events import IncidentTriggeredV1

from ..domain.correlation.memory import MemoryCorrelator
from ..domain.correlation.model import DEFAULT_RULES, IncidentFacts, KnownErrorSignature
from .run import scores

TRIGGERED = IncidentTriggeredV1.ce_type()


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[CorrelationRule, ...]
    settings: CorrelationSettings
    services: tuple[Service, ...]


def parse_rule_set(text: str, *, services: Sequence[Service] = ()) -> RuleSet:
    """A YAML with `correlation_rules:`, `correlation:` and optionally `services:` (a whole Tocsin
    config works too). No rule listed: the default rules, as in the service. Without `services:`
    the given ones (the running config's) stand in, so rules may name them. Raises
    `tocsin_shared.config.loader.ConfigError` naming field and line."""
    if services and not _has_top_level(text, "services"):
        listed = [s.model_dump(include={"name", "depends_on"}) for s in services]
        # Appended, so the lines of the given text keep their numbers in error messages.
        text = f"{text.rstrip()}\nservices: {json.dumps(listed)}\n"
    config = parse_config(text, source="rules")
    rules = tuple(config.correlation_rules) or DEFAULT_RULES  # as the service runs them
    return RuleSet(rules, config.correlation, tuple(config.services))


def _has_top_level(text: str, key: str) -> bool:
    return any(line.split(":", 1)[0] == key for line in text.splitlines() if ":" in line)


@dataclass(frozen=True)
class BacktestResult:
    incidents: int
    skipped_events: int
    engine: MemoryCorrelator
    quality: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        members: dict[UUID, list[str]] = {}
        for link in self.engine.links.values():
            members.setdefault(link.problem_id, []).append(str(link.incident_id))
        problems = [
            {
                "problem_id": str(p.problem_id),
                "origin": p.origin.value,
                "statement": p.statement,
                "service": p.service,
                "rule": p.rule,
                "recurrence_key": p.recurrence_key,
                "opened_at": p.opened_at.isoformat() if p.opened_at else None,
                "reason": p.reason.model_dump(mode="json", exclude_none=True),
                "incident_ids": members.get(p.problem_id, []),
            }
            for p in self.engine.problems.values()
            if not p.existing
        ]
        links = [
            {
                "incident_id": str(link.incident_id),
                "problem_id": str(link.problem_id),
                "confidence": link.confidence,
                "reason": link.reason.model_dump(mode="json", exclude_none=True),
            }
            for link in self.engine.links.values()
        ]
        suggestions = [
            {
                "incident_id": str(s.incident_id),
                "problem_id": str(s.problem_id),
                "score": s.score,
                "reason": s.reason.model_dump(mode="json", exclude_none=True),
            }
            for s in self.engine.suggestions
        ]
        return {
            "incidents": self.incidents,
            "skipped_events": self.skipped_events,
            "problems": problems,
            "links": links,
            "suggestions": suggestions,
            "quality": self.quality,
        }


def facts_of(data: Mapping[str, Any]) -> IncidentFacts:
    event = IncidentTriggeredV1.model_validate(data)
    return IncidentFacts(
        incident_id=event.incident_id,
        service=event.service,
        dedup_key=event.dedup_key,
        summary=event.summary,
        triggered_at=event.triggered_at,
        labels=dict(event.labels),
    )


def backtest(
    events: Iterable[Mapping[str, Any]],
    rule_set: RuleSet,
    *,
    recorded_links: Mapping[UUID, UUID] | None = None,
    known_errors: Sequence[KnownErrorSignature] = (),
) -> BacktestResult:
    """Raises nothing for a malformed stored event: it is counted in `skipped_events`."""
    seen: dict[UUID, IncidentFacts] = {}
    skipped = 0
    for event in events:
        if event.get("type") != TRIGGERED:
            continue
        try:
            facts = facts_of(event.get("data") or {})
        except ValidationError:
            skipped += 1
            continue
        seen.setdefault(facts.incident_id, facts)
    engine = MemoryCorrelator(
        rules=rule_set.rules, settings=rule_set.settings, services=rule_set.services
    )
    for signature in known_errors:
        engine.add_known_error(signature)
    for facts in sorted(seen.values(), key=lambda f: f.triggered_at):
        engine.observe(facts)
    return BacktestResult(len(seen), skipped, engine, _quality(engine, recorded_links or {}))


def _quality(engine: MemoryCorrelator, recorded: Mapping[UUID, UUID]) -> dict[str, Any] | None:
    replayed = engine.clusters()
    compared = [i for i in replayed if i in recorded]
    if not compared:
        return None
    truth = {i: (("problem", recorded[i]) if i in recorded else ("own", i)) for i in replayed}
    predicted = {i: ("cluster", c) for i, c in replayed.items()}
    return {
        "incidents": len(replayed),
        "recorded_links": len(compared),
        **scores(predicted, truth),
    }
