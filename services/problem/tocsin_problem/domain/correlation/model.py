"""What correlation sees of one incident, what the service fetches for it, and what it decides.

`decide` is a pure function of an incident's facts and its candidates; the service answers the
candidate queries from Postgres (recurrence_keys, problem_links, problem_templates, known_errors,
link_suggestions) and `memory.MemoryCorrelator` answers them from its own state, by the same
definitions, written down on `Candidates`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from tocsin_shared.config.models import CorrelationRule
from tocsin_shared.contracts.events import LinkReason, ProblemOrigin

from ..templates import template_of


@dataclass(frozen=True)
class IncidentFacts:
    incident_id: UUID
    service: str
    dedup_key: str
    summary: str
    triggered_at: datetime
    labels: Mapping[str, str] = field(default_factory=dict)
    # Left empty, it is computed from the summary.
    template: str = ""

    def __post_init__(self) -> None:
        if not self.template:
            object.__setattr__(self, "template", template_of(self.summary))


STATEMENT_MAX = 200
# What runs when the config lists no correlation rule: 3 incidents of one key within 30 days.
DEFAULT_RULES: tuple[CorrelationRule, ...] = (CorrelationRule(name="recurrence-default"),)


def statement_for(kind: str, facts: IncidentFacts) -> str:
    """A problem's first statement: what opened it, the service, the incident's own words."""
    text = f"{kind} on {facts.service}: {facts.summary.strip()}"
    return text if len(text) <= STATEMENT_MAX else text[: STATEMENT_MAX - 1] + "…"


def recurrence_key(facts: IncidentFacts, rule: CorrelationRule) -> str:
    """`<service>/<16 hex>`: readable by its service, stable for the same service, template and
    values of the rule's labels (a missing label counts as empty). The rule's name is not in it,
    so two rules over the same labels share one open problem."""
    parts = [facts.service, facts.template]
    parts += [f"{name}={facts.labels.get(name, '')}" for name in sorted(rule.labels)]
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()
    return f"{facts.service}/{digest}"


@dataclass(frozen=True)
class RecurrenceCandidate:
    """One recurrence rule that applies to the incident's service.

    `prior_incident_ids`: incidents recorded under (`rule`, `key`) before this one, whose
    `triggered_at` is within [incident.triggered_at - rule.window_days, incident.triggered_at],
    and that are linked to no problem; oldest first. `open_problem_id`: the open problem
    (state new .. fix_in_progress) whose recurrence_key is `key`, if any.

    `co_occurring` (only needed once the count reaches the threshold, and only with
    co_occurrence enabled): for each of the prior incidents and this one, the open problems
    having a linked incident of the same service (with `across_dependencies`: of a service in
    the similarity scope) triggered within co_occurrence.window_minutes of it, either side;
    members with none are left out. `prior_triggered_at` pairs with `prior_incident_ids`."""

    rule: str
    key: str
    prior_incident_ids: tuple[UUID, ...] = ()
    open_problem_id: UUID | None = None
    prior_triggered_at: tuple[datetime, ...] = ()
    co_occurring: Mapping[UUID, frozenset[UUID]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProblemCandidate:
    """An open problem with the (service, template) pairs of its linked incidents whose service
    is the incident's, one it depends on, or one that depends on it (`depends_on` both ways),
    and whose last incident is within the similarity window."""

    problem_id: UUID
    templates: tuple[tuple[str, str], ...]
    # Optional: the latest linked incident of each (service, template) pair, named in reasons.
    examples: Mapping[tuple[str, str], UUID] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendGroup:
    """Incidents of the incident's own service, triggered within the similarity window before
    it, linked to no problem, that share `template`; oldest first."""

    template: str
    incident_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class KnownErrorSignature:
    """A published known error: `pattern` is a template with `<*>` wildcards; every label given
    must be equal on the incident; no service means any service."""

    known_error_id: UUID
    problem_id: UUID
    pattern: str
    service: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidates:
    recurrences: tuple[RecurrenceCandidate, ...] = ()
    problems: tuple[ProblemCandidate, ...] = ()
    trends: tuple[TrendGroup, ...] = ()
    known_errors: tuple[KnownErrorSignature, ...] = ()
    # Problems on which a person rejected a suggestion for this very template.
    rejected_problem_ids: frozenset[UUID] = frozenset()


@dataclass(frozen=True)
class MatchKnownError:
    known_error_id: UUID
    problem_id: UUID
    reason: LinkReason
    confidence: float = 1.0


@dataclass(frozen=True)
class LinkTo:
    """Link the incident, and `member_incident_ids` (earlier, unlinked ones) with it."""

    problem_id: UUID
    reason: LinkReason
    confidence: float
    member_incident_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class OpenProblem:
    """Open a problem and link the incident and `member_incident_ids` (earlier ones) to it."""

    origin: ProblemOrigin
    statement: str
    service: str
    reason: LinkReason
    rule: str | None = None
    recurrence_key: str | None = None
    member_incident_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Suggest:
    problem_id: UUID
    score: float
    reason: LinkReason


@dataclass(frozen=True)
class NoDecision:
    """Nothing applies: the incident is kept for later counts and trends."""


Decision = MatchKnownError | LinkTo | OpenProblem | Suggest | NoDecision
