"""One incident, its candidates, the rules → one decision, with the reason that explains it.

Precedence, first that applies wins (`STEPS`):
1. a published known error's signature fits → link to its problem and report the match;
2. an open problem holds the incident's recurrence key (a rule, in config order) → link;
2b. the key's count reaches its threshold and its incidents recurringly fired beside one open
   problem's (cooccurrence.py) → link them all to it;
3. a rule's count reaches its threshold (unlinked earlier incidents with the key + this one)
   → open a problem (origin rule) and link them all;
4. a template of an open problem of the SAME service scores ≥ auto_link_threshold → link;
5. unlinked recent incidents of the same service whose templates score ≥ auto_link_threshold
   reach trend_threshold with this one → open a problem (origin trend) and link them all;
6. the best template of an open problem in scope (same service or a dependency either way)
   scores ≥ suggest_threshold → suggest, unless a person rejected this template there.

Across a dependency edge similarity only suggests: the same words on two services are too often
two faults (`connection refused` upstream and downstream) for a link nobody reviewed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tocsin_shared.config.models import CorrelationRule, CorrelationSettings
from tocsin_shared.contracts.events import LinkOrigin, LinkReason, ProblemOrigin

from ..templates import matches
from .cooccurrence import co_occurrence
from .model import (
    Candidates,
    Decision,
    IncidentFacts,
    LinkTo,
    MatchKnownError,
    NoDecision,
    OpenProblem,
    statement_for,
)
from .similar_steps import similar, suggest, trend


class Step(Protocol):
    def __call__(
        self,
        facts: IncidentFacts,
        candidates: Candidates,
        *,
        rules: Sequence[CorrelationRule],
        settings: CorrelationSettings,
    ) -> Decision | None: ...


def decide(
    facts: IncidentFacts,
    candidates: Candidates,
    *,
    rules: Sequence[CorrelationRule],
    settings: CorrelationSettings,
) -> Decision:
    for step in STEPS:
        decision = step(facts, candidates, rules=rules, settings=settings)
        if decision is not None:
            return decision
    return NoDecision()


def _known_error(
    facts: IncidentFacts,
    candidates: Candidates,
    *,
    rules: Sequence[CorrelationRule],
    settings: CorrelationSettings,
) -> Decision | None:
    for ke in candidates.known_errors:
        if ke.service not in (None, facts.service):
            continue
        if any(facts.labels.get(k) != v for k, v in ke.labels.items()):
            continue
        if matches(ke.pattern, facts.template):
            reason = LinkReason(
                origin=LinkOrigin.KNOWN_ERROR,
                known_error_id=ke.known_error_id,
                template=facts.template,
                score=1.0,
                note=f"matches the known error signature {ke.pattern!r}",
            )
            return MatchKnownError(ke.known_error_id, ke.problem_id, reason)
    return None


def _open_key(
    facts: IncidentFacts,
    candidates: Candidates,
    *,
    rules: Sequence[CorrelationRule],
    settings: CorrelationSettings,
) -> Decision | None:
    for rec in candidates.recurrences:
        if rec.open_problem_id is not None:
            reason = LinkReason(
                origin=LinkOrigin.RULE,
                rule=rec.rule,
                recurrence_key=rec.key,
                template=facts.template,
                score=1.0,
                note=f"the open problem of recurrence key {rec.key}",
            )
            return LinkTo(rec.open_problem_id, reason, 1.0)
    return None


def _recurrence(
    facts: IncidentFacts,
    candidates: Candidates,
    *,
    rules: Sequence[CorrelationRule],
    settings: CorrelationSettings,
) -> Decision | None:
    by_name = {r.name: r for r in rules}
    for rec in candidates.recurrences:
        rule = by_name.get(rec.rule)
        if rule is None or len(rec.prior_incident_ids) + 1 < rule.threshold:
            continue
        count = len(rec.prior_incident_ids) + 1
        reason = LinkReason(
            origin=LinkOrigin.RULE,
            rule=rule.name,
            recurrence_key=rec.key,
            template=facts.template,
            score=1.0,
            matched_incident_ids=rec.prior_incident_ids,
            note=f"{count} incidents with this key within {rule.window_days:g} days "
            f"(threshold {rule.threshold})",
        )
        return OpenProblem(
            origin=ProblemOrigin.RULE,
            statement=statement_for("Recurring", facts),
            service=facts.service,
            reason=reason,
            rule=rule.name,
            recurrence_key=rec.key,
            member_incident_ids=rec.prior_incident_ids,
        )
    return None


STEPS: tuple[Step, ...] = (
    _known_error,
    _open_key,
    co_occurrence,
    _recurrence,
    similar,
    trend,
    suggest,
)
