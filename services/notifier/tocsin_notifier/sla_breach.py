"""SLA events: a breach escalates a paging incident as its policy says (`on_sla_breach`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from tocsin_shared.clock import Clock
from tocsin_shared.config.models import EscalationLevel, EscalationPolicy
from tocsin_shared.contracts.envelope import Envelope
from tocsin_shared.contracts.events import SlaBreachedV1

from .domain.escalation import Escalation, State
from .pages import PagingContext, page_level, severity_of, shape, step_info, write_pages
from .paging import locked_after_timer
from .ports import UnitOfWork

SLA_CONSUMER = "sla-events"
BreachAction = Callable[..., Awaitable[str]]


async def on_sla_event(
    envelope: Envelope, *, uow_factory: Callable[[], UnitOfWork], ctx: PagingContext, clock: Clock
) -> str:
    async with uow_factory() as uow:
        if not await uow.first_time(
            consumer=SLA_CONSUMER, source=envelope.source, event_id=envelope.id
        ):
            return "duplicate"
        outcome = "ignored"
        if isinstance(envelope.data, SlaBreachedV1):
            outcome = await on_breach(envelope.data, uow=uow, ctx=ctx, now=clock.now())
        await uow.commit()
        return outcome


async def on_breach(
    event: SlaBreachedV1, *, uow: UnitOfWork, ctx: PagingContext, now: datetime
) -> str:
    seen = await uow.escalations.get(event.incident_id, lock=False)
    policy = ctx.config.escalation_policy(seen.policy or "") if seen else None
    if seen is None or policy is None or policy.on_sla_breach is None:
        return "no_breach_action"
    # Escalating cancels the live step timer: take it before the escalation row (see paging).
    escalating = policy.on_sla_breach.action == "escalate"
    esc = await (
        locked_after_timer(seen.incident_id, uow=uow)
        if escalating and seen.status is State.ACTIVE
        else uow.escalations.get(seen.incident_id)
    )
    if esc is None:
        return "no_breach_action"
    act = BREACH_ACTIONS[policy.on_sla_breach.action]
    return await act(esc, policy, event, uow=uow, ctx=ctx, now=now)


async def _escalate_now(
    esc: Escalation,
    policy: EscalationPolicy,
    event: SlaBreachedV1,
    *,
    uow: UnitOfWork,
    ctx: PagingContext,
    now: datetime,
) -> str:
    """Jump to the next level now (only while paging: an acknowledged incident stays quiet)."""
    if esc.status is not State.ACTIVE:
        return "not_paging"
    if esc.timer is not None:
        await uow.timers.cancel(esc.timer)
    page = esc.escalate(shape(policy, severity_of(esc)), now=now)
    if page is not None:
        await page_level(esc, page, policy, uow=uow, ctx=ctx, now=now)
    await uow.escalations.put(esc)
    return "escalated" if page else "exhausted"


async def _notify(
    esc: Escalation,
    policy: EscalationPolicy,
    event: SlaBreachedV1,
    *,
    uow: UnitOfWork,
    ctx: PagingContext,
    now: datetime,
) -> str:
    """Page the breach's targets too, unless the incident is resolved; escalation goes on."""
    if esc.status is State.STOPPED or policy.on_sla_breach is None:
        return "not_paging"
    level = EscalationLevel(targets=policy.on_sla_breach.targets)
    step = step_info(esc, policy=policy.name, level=len(policy.levels), seq=esc.seq)
    step["sla"] = {
        "policy": event.policy,
        "target": event.target,
        "due_at": event.due_at.isoformat(),
    }
    prefix = f"sla.{event.policy}.g{event.generation}:"
    await write_pages(esc, level, step=step, uow=uow, ctx=ctx, now=now, prefix=prefix)
    return "notified"


BREACH_ACTIONS: dict[str, BreachAction] = {"escalate": _escalate_now, "notify": _notify}
