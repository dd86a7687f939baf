"""The incident-event handler: log the event, fold it into the projection, and correlate a newly
triggered incident: candidates from Postgres, `decide` (pure), then the decision applied as
links, problems, suggestions and known-error matches, each an event. One transaction with the
inbox claim, so a redelivered event changes nothing twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from tocsin_shared.clock import Clock
from tocsin_shared.config.models import CorrelationRule, CorrelationSettings, TocsinConfig
from tocsin_shared.contracts.events import IncidentEventData, IncidentTriggeredV1

from .correlation_apply import apply_decision, signatures
from .domain.correlation.decide import decide
from .domain.correlation.model import DEFAULT_RULES, IncidentFacts, recurrence_key
from .domain.observed import ObservedIncident, observe
from .ports import CorrelatingUnitOfWork

INBOX_CONSUMER = "incident-events"
OBSERVED = "observed"
DUPLICATE = "duplicate_delivery"


@dataclass(frozen=True)
class CorrelationConfig:
    rules: tuple[CorrelationRule, ...]
    settings: CorrelationSettings
    # Each service's similarity scope: itself, what it depends on, what depends on it.
    scopes: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, config: TocsinConfig) -> CorrelationConfig:
        scopes: dict[str, set[str]] = {s.name: {s.name, *s.depends_on} for s in config.services}
        for service in config.services:
            for dependency in service.depends_on:
                scopes.setdefault(dependency, {dependency}).add(service.name)
        return cls(
            rules=tuple(config.correlation_rules or DEFAULT_RULES),
            settings=config.correlation,
            scopes={name: tuple(sorted(scope)) for name, scope in scopes.items()},
        )

    def scope(self, service: str) -> Sequence[str]:
        return self.scopes.get(service, (service,))


def _first_trigger(known: ObservedIncident | None, event: IncidentEventData) -> bool:
    return isinstance(event, IncidentTriggeredV1) and (known is None or known.triggered_at is None)


def facts_of(event: IncidentTriggeredV1) -> IncidentFacts:
    return IncidentFacts(
        incident_id=event.incident_id,
        service=event.service,
        dedup_key=event.dedup_key,
        summary=event.summary,
        triggered_at=event.triggered_at,
        labels=dict(event.labels),
    )


async def on_incident_event(
    event: IncidentEventData,
    *,
    source: str,
    event_id: str,
    uow_factory: Callable[[], CorrelatingUnitOfWork],
    correlation: CorrelationConfig,
    clock: Clock,
) -> str:
    """Returns what happened: `duplicate_delivery`, `observed`, or the correlation's outcome."""
    async with uow_factory() as uow:
        if not await uow.first_time(consumer=INBOX_CONSUMER, source=source, event_id=event_id):
            return DUPLICATE
        await uow.event_log.append(source=source, event_id=event_id, event=event)
        known = await uow.observed.get(event.incident_id)
        await uow.observed.put(observe(known, event))
        outcome = OBSERVED
        if _first_trigger(known, event):
            assert isinstance(event, IncidentTriggeredV1)
            outcome = await correlate(facts_of(event), uow=uow, config=correlation, now=clock.now())
        await uow.commit()
        return outcome


async def correlate(
    facts: IncidentFacts, *, uow: CorrelatingUnitOfWork, config: CorrelationConfig, now: datetime
) -> str:
    rules = [r for r in config.rules if r.applies_to(facts.service)]
    await uow.correlation.lock_keys([recurrence_key(facts, r) for r in rules] + [facts.service])
    candidates = await uow.correlation.candidates(
        facts,
        rules=rules,
        settings=config.settings,
        scope=config.scope(facts.service),
        known_errors=signatures(await uow.known_errors.published()),
    )
    decision = decide(facts, candidates, rules=rules, settings=config.settings)
    await uow.correlation.remember(facts, rules=rules)
    return await apply_decision(decision, facts, uow=uow, now=now, new_id=uuid4)
