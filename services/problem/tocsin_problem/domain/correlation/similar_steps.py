"""The similarity steps of `decide`: link to a like problem of the same service, open a trend
from like unlinked incidents, suggest a like problem in the dependency scope. Scores come from
similarity.py; thresholds from `correlation.similarity`."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from tocsin_shared.config.models import CorrelationRule, CorrelationSettings
from tocsin_shared.contracts.events import LinkOrigin, LinkReason, ProblemOrigin

from .model import (
    Candidates,
    Decision,
    IncidentFacts,
    LinkTo,
    OpenProblem,
    Suggest,
    statement_for,
)
from .similarity import similarity


def _scored(
    facts: IncidentFacts, candidates: Candidates, *, same_service: bool
) -> list[tuple[float, str, str, int]]:
    """(score, service, template, candidate index), best first, rejected problems left out."""
    found = []
    for index, problem in enumerate(candidates.problems):
        if problem.problem_id in candidates.rejected_problem_ids:
            continue
        for service, template in problem.templates:
            if same_service and service != facts.service:
                continue
            found.append((similarity(facts.template, template), service, template, index))
    # Ties go to the smallest problem id, then service and template: whatever order the
    # candidates came in (Postgres or memory), the same problem wins.
    found.sort(key=lambda f: (-f[0], candidates.problems[f[3]].problem_id, f[1], f[2]))
    return found


def _best(
    facts: IncidentFacts, candidates: Candidates, *, same_service: bool, threshold: float
) -> tuple[float, UUID, LinkReason] | None:
    """The best-scoring open problem at or above `threshold`, with the reason that names it."""
    best = _scored(facts, candidates, same_service=same_service)[:1]
    if not best or best[0][0] < threshold:
        return None
    score, service, template, index = best[0]
    problem = candidates.problems[index]
    example = problem.examples.get((service, template))
    reason = _similarity_reason(
        facts, score=score, service=service, template=template, example=example
    )
    return score, problem.problem_id, reason


def similar(
    facts: IncidentFacts,
    candidates: Candidates,
    *,
    rules: Sequence[CorrelationRule],
    settings: CorrelationSettings,
) -> Decision | None:
    sim = settings.similarity
    found = sim.enabled and _best(
        facts, candidates, same_service=True, threshold=sim.auto_link_threshold
    )
    if not found:
        return None
    score, problem_id, reason = found
    return LinkTo(problem_id, reason, score)


def trend(
    facts: IncidentFacts,
    candidates: Candidates,
    *,
    rules: Sequence[CorrelationRule],
    settings: CorrelationSettings,
) -> Decision | None:
    sim = settings.similarity
    if not sim.enabled:
        return None
    groups = [
        g
        for g in candidates.trends
        if similarity(facts.template, g.template) >= sim.auto_link_threshold
    ]
    members = tuple(i for g in groups for i in g.incident_ids)
    if len(members) + 1 < sim.trend_threshold:
        return None
    reason = LinkReason(
        origin=LinkOrigin.SIMILARITY,
        template=facts.template,
        score=min(similarity(facts.template, g.template) for g in groups),
        matched_incident_ids=members,
        note=f"trend: {len(members) + 1} similar incidents within {sim.window_days:g} days "
        f"(threshold {sim.trend_threshold}); templates: "
        + "; ".join(sorted({g.template for g in groups})),
    )
    return OpenProblem(
        origin=ProblemOrigin.TREND,
        statement=statement_for("Trend", facts),
        service=facts.service,
        reason=reason,
        member_incident_ids=members,
    )


def suggest(
    facts: IncidentFacts,
    candidates: Candidates,
    *,
    rules: Sequence[CorrelationRule],
    settings: CorrelationSettings,
) -> Decision | None:
    sim = settings.similarity
    found = sim.enabled and _best(
        facts, candidates, same_service=False, threshold=sim.suggest_threshold
    )
    if not found:
        return None
    score, problem_id, reason = found
    return Suggest(problem_id, score, reason)


def _similarity_reason(
    facts: IncidentFacts, *, score: float, service: str, template: str, example: UUID | None
) -> LinkReason:
    return LinkReason(
        origin=LinkOrigin.SIMILARITY,
        template=facts.template,
        score=score,
        matched_incident_ids=(example,) if example else (),
        note=f"summary template scores {score:.2f} against {service}: {template!r}",
    )
