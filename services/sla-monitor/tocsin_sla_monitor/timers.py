"""Timer entry point: a due threshold timer, inside the transaction that claimed it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.timers import Timer, TimerHandler

from .handlers import SlaRules, fire_threshold
from .ports import THRESHOLD_TIMER, UnitOfWork, parse_subject


def threshold_timers(
    *, rules: SlaRules, uow_on: Callable[[DbConnection], UnitOfWork]
) -> dict[str, TimerHandler]:
    async def fire(timer: Timer, conn: DbConnection, now: datetime) -> None:
        clock_id, _, generation = parse_subject(timer.subject)
        await fire_threshold(
            clock_id, generation=generation, rules=rules, uow=uow_on(conn), now=now
        )

    return {THRESHOLD_TIMER: fire}
