"""Writing an escalation's pages to the ledger: a level's targets resolved to deliveries, one
ledger row each (and a `requested` event), and the timer for the step after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tocsin_shared.config.models import EscalationLevel, EscalationPolicy, TocsinConfig
from tocsin_shared.contracts.events import NotificationRequestedV1, Severity

from .domain.escalation import Escalation, Page, PolicyShape
from .domain.ledger import Notification
from .domain.schedules import on_call
from .domain.targets import deliveries
from .ports import UnitOfWork

TIMER_KIND = "notifier.escalation"
OnCallAt = Callable[[str, datetime], list[str]]


def nobody(schedule: str, at: datetime) -> list[str]:
    return []


def schedule_lookup(config: TocsinConfig) -> OnCallAt:
    """Whoever is on call on a configured schedule (nobody on an unknown one)."""

    def lookup(name: str, at: datetime) -> list[str]:
        found = config.schedule(name)
        person = on_call(found, at) if found else None
        return [person] if person else []

    return lookup


@dataclass(frozen=True)
class PagingContext:
    config: TocsinConfig
    incident_url: str
    late_after: timedelta = timedelta(seconds=30)
    on_call: OnCallAt = nobody


def shape(policy: EscalationPolicy, severity: Severity | str | None) -> PolicyShape:
    """The policy's levels and repeats; a low-urgency incident gets the first level only."""
    delays = tuple(timedelta(minutes=level.delay_minutes) for level in policy.levels)
    if severity is not None and Severity(severity) in policy.low_urgency:
        return PolicyShape(delays=delays[:1], repeat=0)
    return PolicyShape(delays=delays, repeat=policy.repeat)


def severity_of(esc: Escalation) -> str | None:
    incident = esc.incident.get("incident")
    return incident.get("severity") if isinstance(incident, dict) else None


async def write_pages(
    esc: Escalation,
    level: EscalationLevel,
    *,
    step: dict[str, Any],
    uow: UnitOfWork,
    ctx: PagingContext,
    now: datetime,
    turn: int = 0,
    prefix: str = "",
) -> int:
    """One ledger row per delivery of `level` (keyed by `step`'s level and seq); returns how many
    were new."""
    users = {u.name: u for u in ctx.config.users}
    written = 0
    for d in deliveries(level, users=users, on_call=lambda s: ctx.on_call(s, now), turn=turn):
        recipient = {"target": d.target, "user": d.user, "address": d.address}
        notification = Notification.request(
            incident_id=esc.incident_id,
            level=step["level"],
            target=prefix + d.target,
            channel=d.channel,
            cycle=esc.cycle,
            step=step["step"],
            payload={**esc.incident, "escalation": step, "recipient": recipient},
            at=now + d.delay,
        )
        if await uow.notifications.add(notification):
            written += 1
            uow.emit(
                NotificationRequestedV1(
                    notification_id=notification.id,
                    incident_id=notification.incident_id,
                    idempotency_key=notification.idempotency_key,
                    channel=notification.channel,
                    target=notification.target,
                    attempt=0,
                    occurred_at=now,
                )
            )
    return written


def step_info(
    esc: Escalation, *, policy: str, level: int, seq: int, late_by: timedelta | None = None
) -> dict[str, Any]:
    return {
        "policy": policy,
        "level": level,
        "cycle": esc.cycle,
        "round": esc.repeat_round,
        "step": seq,
        "late": late_by is not None,
        "late_by_s": round(late_by.total_seconds(), 3) if late_by else 0.0,
    }


async def page_level(
    esc: Escalation,
    page: Page,
    policy: EscalationPolicy,
    *,
    uow: UnitOfWork,
    ctx: PagingContext,
    now: datetime,
    late_by: timedelta | None = None,
) -> None:
    """Page a level of the policy and schedule the step after it."""
    level = policy.levels[page.level]
    turn = 0
    if level.mode == "round_robin":
        turn = await uow.round_robin.turn(policy=policy.name, level=page.level)
    step = step_info(esc, policy=policy.name, level=page.level, seq=page.seq, late_by=late_by)
    await write_pages(esc, level, step=step, uow=uow, ctx=ctx, now=now, turn=turn)
    if page.next_at is not None and esc.timer is not None:
        due = {"incident_id": str(esc.incident_id), "cycle": esc.cycle, "seq": page.seq}
        await uow.timers.schedule(esc.timer, due_at=page.next_at, payload=due)
