"""A correlation decision made real: links, a new problem, a suggestion, a known error's match.
Each change is recorded as an event by the system actor; the table maps decision to applier."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from tocsin_shared.contracts.events import KnownErrorMatchedV1, LinkReason

from .commands_links import linked_event
from .domain.correlation.model import (
    Decision,
    IncidentFacts,
    KnownErrorSignature,
    LinkTo,
    MatchKnownError,
    NoDecision,
    OpenProblem,
    Suggest,
)
from .domain.known_errors import KnownError
from .domain.links import Link, Suggestion
from .domain.problem import SYSTEM, Problem
from .ports import UnitOfWork

NewId = Callable[[], UUID]


def signatures(known_errors: Sequence[KnownError]) -> tuple[KnownErrorSignature, ...]:
    return tuple(
        KnownErrorSignature(
            known_error_id=k.id,
            problem_id=k.problem_id,
            pattern=k.signature.pattern,
            service=k.signature.service,
            labels=dict(k.signature.labels),
        )
        for k in known_errors
    )


async def _link(
    uow: UnitOfWork,
    problem: Problem,
    incident_id: UUID,
    *,
    reason: LinkReason,
    confidence: float | None,
    now: datetime,
) -> bool:
    """Link unless the incident is linked already (to whichever problem): automatic links never
    move an incident a person or an earlier rule placed."""
    seen = await uow.observed.get(incident_id)
    link = Link(incident_id, problem.id, reason, SYSTEM, now, confidence)
    template = (seen.template or None) if seen else None
    linked = await uow.links.link(link, service=seen.service if seen else None, template=template)
    if linked:
        await uow.record(linked_event(problem, incident_id, reason, actor=SYSTEM, now=now))
    return linked


async def _problem(uow: UnitOfWork, problem_id: UUID) -> Problem:
    problem = await uow.problems.get(problem_id)
    if problem is None:
        raise LookupError(f"correlation named unknown problem {problem_id}")
    return problem


async def _match(decision: MatchKnownError, facts: IncidentFacts, ctx: _Ctx) -> str:
    problem = await _problem(ctx.uow, decision.problem_id)
    known = await ctx.uow.known_errors.get(decision.known_error_id)
    if known is None:
        raise LookupError(f"correlation named unknown known error {decision.known_error_id}")
    await _link(
        ctx.uow, problem, facts.incident_id, reason=decision.reason, confidence=1.0, now=ctx.now
    )
    await ctx.uow.record(
        KnownErrorMatchedV1(
            problem_id=problem.id,
            occurred_at=ctx.now,
            actor=SYSTEM,
            known_error_id=known.id,
            incident_id=facts.incident_id,
            title=known.title,
            workaround=known.workaround,
            root_cause=known.root_cause or None,
            number=problem.number,
            statement=problem.statement,
        )
    )
    return "known_error_matched"


async def _link_to(decision: LinkTo, facts: IncidentFacts, ctx: _Ctx) -> str:
    problem = await _problem(ctx.uow, decision.problem_id)
    for incident_id in (*decision.member_incident_ids, facts.incident_id):
        await _link(
            ctx.uow,
            problem,
            incident_id,
            reason=decision.reason,
            confidence=decision.confidence,
            now=ctx.now,
        )
    return "linked"


async def _open(decision: OpenProblem, facts: IncidentFacts, ctx: _Ctx) -> str:
    problem = Problem.open(
        problem_id=ctx.new_id(),
        number=await ctx.uow.problems.next_number(),
        statement=decision.statement,
        origin=decision.origin,
        actor=SYSTEM,
        now=ctx.now,
        service=decision.service,
        rule=decision.rule,
        recurrence_key=decision.recurrence_key,
        reason=decision.reason,
    )
    await ctx.uow.problems.add(problem)
    for event in problem.events:
        await ctx.uow.record(event)  # type: ignore[arg-type]
    problem.events.clear()
    for incident_id in (*decision.member_incident_ids, facts.incident_id):
        await _link(
            ctx.uow, problem, incident_id, reason=decision.reason, confidence=1.0, now=ctx.now
        )
    return "problem_opened"


async def _suggest(decision: Suggest, facts: IncidentFacts, ctx: _Ctx) -> str:
    suggestion = Suggestion.propose(
        suggestion_id=ctx.new_id(),
        problem_id=decision.problem_id,
        incident_id=facts.incident_id,
        template=facts.template,
        score=decision.score,
        reason=decision.reason,
        actor=SYSTEM,
        now=ctx.now,
    )
    if not await ctx.uow.suggestions.add(suggestion):
        return "already_suggested"
    for event in suggestion.events:
        await ctx.uow.record(event)  # type: ignore[arg-type]
    return "suggested"


async def _nothing(decision: NoDecision, facts: IncidentFacts, ctx: _Ctx) -> str:
    return "uncorrelated"


class _Ctx:
    def __init__(self, uow: UnitOfWork, *, now: datetime, new_id: NewId) -> None:
        self.uow, self.now, self.new_id = uow, now, new_id


APPLIERS: dict[type[Any], Callable[[Any, IncidentFacts, _Ctx], Awaitable[str]]] = {
    MatchKnownError: _match,
    LinkTo: _link_to,
    OpenProblem: _open,
    Suggest: _suggest,
    NoDecision: _nothing,
}


async def apply_decision(
    decision: Decision, facts: IncidentFacts, *, uow: UnitOfWork, now: datetime, new_id: NewId
) -> str:
    return await APPLIERS[type(decision)](decision, facts, _Ctx(uow, now=now, new_id=new_id))
