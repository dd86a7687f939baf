"""Durable lifecycle timers firing: snooze expiry, acknowledgement timeout, auto-resolve.

Each runs inside the transaction that claims the timer. The incident re-checks that it still
wants the timer at this moment (its state may have moved on), so a stale timer does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.timers import Timer, TimerHandler

from ..deps import Deps
from ..domain.timers import NO_POLICY, LifecyclePolicy, TimerKind
from ..ports import UnitOfWork


async def expire_timer(
    kind: TimerKind,
    incident_id: UUID,
    *,
    now: datetime,
    uow: UnitOfWork,
    policies: Mapping[str, LifecyclePolicy],
) -> bool:
    """Apply what the timer means if the incident still wants it; True if anything changed."""
    async with uow:
        incident = await uow.incidents.get(incident_id, for_update=True)
        if incident is None:
            return False
        policy = policies.get(incident.service, NO_POLICY)
        if not incident.expire(kind, policy=policy, at=now):
            return False
        await uow.incidents.save(incident)
        for event in incident.events:
            uow.emit(event)
        await uow.commit()
        return True


def _handler(kind: TimerKind, deps: Deps) -> TimerHandler:
    async def fire(timer: Timer, conn: DbConnection, now: datetime) -> None:
        await expire_timer(
            kind, UUID(timer.subject), now=now, uow=deps.uow_on(conn), policies=deps.policies
        )

    return fire


def timer_handlers(deps: Deps) -> dict[str, TimerHandler]:
    return {kind.value: _handler(kind, deps) for kind in TimerKind}
