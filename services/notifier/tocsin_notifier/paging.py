"""Escalation handlers: incident events start, pause, resume or stop an incident's escalation;
a durable step timer moves it to the next level. Each runs inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from tocsin_shared.config.models import EscalationPolicy, TocsinConfig
from tocsin_shared.contracts.events import IncidentEventData

from .domain.escalation import Escalation, Move, allowed
from .pages import PagingContext, page_level, severity_of, shape
from .ports import UnitOfWork


def incident_payload(
    event: IncidentEventData, *, incident_url: str, workaround: str | None = None
) -> dict[str, Any]:
    triggered_at: datetime = getattr(event, "triggered_at", event.occurred_at)
    incident: dict[str, Any] = {
        "id": str(event.incident_id),
        "service": event.service,
        "summary": event.summary,
        "severity": event.severity.value,
        "status": event.status.value,
        "dedup_key": event.dedup_key,
        "triggered_at": triggered_at.isoformat(),
        "url": f"{incident_url.rstrip('/')}/v1/incidents/{event.incident_id}",
    }
    for optional in ("labels", "workaround"):
        if getattr(event, optional, None):
            incident[optional] = getattr(event, optional)
    if workaround:
        incident["workaround"] = workaround
    return {"type": "incident.triggered", "incident": incident}


async def _payload(
    event: IncidentEventData, *, uow: UnitOfWork, ctx: PagingContext
) -> dict[str, Any]:
    """The incident facts every page of the escalation carries, with its known workaround."""
    known = await uow.workarounds.get(event.incident_id)
    return incident_payload(
        event, incident_url=ctx.incident_url, workaround=known.workaround if known else None
    )


def _policy_of(service: str, config: TocsinConfig) -> EscalationPolicy | None:
    found = config.service(service)
    if found is None or found.escalation_policy is None:
        return None
    return config.escalation_policy(found.escalation_policy)


async def start(
    event: IncidentEventData, *, uow: UnitOfWork, ctx: PagingContext, now: datetime
) -> str:
    """A trigger or re-trigger: a new cycle from level 0 (unless this one is already paging)."""
    policy = _policy_of(event.service, ctx.config)
    esc = await uow.escalations.get(event.incident_id) or Escalation.new(
        incident_id=event.incident_id, service=event.service, policy=None
    )
    if not allowed(esc.status, Move.START):
        return "already_paging"  # the same incident triggered again while paging: no second page
    if policy is None:
        esc.stopped_by = "no-policy"
        await uow.escalations.put(esc)
        return "no_policy"
    await _silence(esc, uow=uow)
    esc.policy = policy.name
    esc.incident = await _payload(event, uow=uow, ctx=ctx)
    page = esc.restart(shape(policy, event.severity), now=now)
    await page_level(esc, page, policy, uow=uow, ctx=ctx, now=now)
    await uow.escalations.put(esc)
    return "paging"


async def resume(
    event: IncidentEventData, *, uow: UnitOfWork, ctx: PagingContext, now: datetime
) -> str:
    """Un-acknowledged: page the current level again and go on escalating from there."""
    esc = await uow.escalations.get(event.incident_id)
    if esc is None or esc.policy is None:
        return await start(event, uow=uow, ctx=ctx, now=now)
    policy = ctx.config.escalation_policy(esc.policy)
    if policy is None or not allowed(esc.status, Move.RESUME):
        return "not_paused"
    esc.incident = await _payload(event, uow=uow, ctx=ctx)
    page = esc.resume(shape(policy, event.severity), now=now)
    await page_level(esc, page, policy, uow=uow, ctx=ctx, now=now)
    await uow.escalations.put(esc)
    return "resumed"


async def pause(
    event: IncidentEventData, *, uow: UnitOfWork, ctx: PagingContext, now: datetime
) -> str:
    """Acknowledged (or snoozed): stop at once, remembering the level."""
    return await _halt(event.incident_id, Move.PAUSE, by=event.ce_type(), uow=uow)


async def stop(
    event: IncidentEventData, *, uow: UnitOfWork, ctx: PagingContext, now: datetime
) -> str:
    return await _halt(event.incident_id, Move.STOP, by=event.ce_type(), uow=uow)


async def locked_after_timer(incident_id: UUID, *, uow: UnitOfWork) -> Escalation | None:
    """Cancel the live step timer, then lock the escalation: the order a firing step takes the
    two rows in, so an acknowledgement racing a step waits for it instead of deadlocking."""
    seen = await uow.escalations.get(incident_id, lock=False)
    if seen is not None and seen.timer is not None:
        await uow.timers.cancel(seen.timer)
    return await uow.escalations.get(incident_id)


async def _halt(incident_id: UUID, move: Move, *, by: str, uow: UnitOfWork) -> str:
    esc = await locked_after_timer(incident_id, uow=uow)
    if esc is None or not allowed(esc.status, move):
        return "nothing_to_stop"
    await _silence(esc, uow=uow)
    {Move.PAUSE: esc.pause, Move.STOP: esc.stop}[move](by=by)
    await uow.escalations.put(esc)
    return "stopped"


async def _silence(esc: Escalation, *, uow: UnitOfWork) -> None:
    """Cancel the next step and every page not yet sent."""
    if esc.timer is not None:
        await uow.timers.cancel(esc.timer)
    for notification in await uow.notifications.pending_for_incident(esc.incident_id):
        notification.cancel()
        await uow.notifications.save(notification)


async def on_step_due(
    payload: dict[str, Any],
    *,
    lateness: timedelta,
    uow: UnitOfWork,
    ctx: PagingContext,
    now: datetime,
) -> str:
    """A level's delay ran out: page the next level (or round), marked late if it fired late."""
    esc = await uow.escalations.get(UUID(payload["incident_id"]))
    if esc is None or not esc.is_due(cycle=payload["cycle"], seq=payload["seq"]):
        return "stale"
    policy = ctx.config.escalation_policy(esc.policy or "")
    if policy is None:
        esc.stop(by="policy-removed")
        await uow.escalations.put(esc)
        return "no_policy"
    page = esc.escalate(shape(policy, severity_of(esc)), now=now)
    if page is not None:
        late = lateness if lateness > ctx.late_after else None
        await page_level(esc, page, policy, uow=uow, ctx=ctx, now=now, late_by=late)
    await uow.escalations.put(esc)
    return "escalated" if page else "exhausted"
