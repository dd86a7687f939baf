"""HTTP entry points for on-call schedules: who is on call, and the final shifts of a range."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, Schedule, TocsinConfig
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .domain.schedules import on_call, shifts

MAX_RANGE = timedelta(days=366)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # naive means UTC


def schedules_router(*, config: TocsinConfig, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["schedules"])
    viewer = Depends(require_role(config, Role.VIEWER))

    def known(name: str) -> Schedule:
        found = config.schedule(name)
        if found is None:
            raise ApiError(404, "not_found", f"no schedule named {name!r}")
        return found

    @router.get("/v1/oncall")
    async def who_is_on_call(
        _: Annotated[ApiToken, viewer],
        schedule: Annotated[str, Query(max_length=100)],
        at: Annotated[datetime | None, Query()] = None,
    ) -> dict[str, Any]:
        when = _aware(at) if at else clock.now()
        person = on_call(known(schedule), when)
        return {
            "schedule": schedule,
            "at": when.isoformat(),
            "on_call": [person] if person else [],
        }

    @router.get("/v1/schedules/{name}/shifts")
    async def final_shifts(
        name: str,
        _: Annotated[ApiToken, viewer],
        start: Annotated[datetime, Query(alias="from")],
        end: Annotated[datetime, Query(alias="to")],
    ) -> dict[str, Any]:
        begin, until = _aware(start), _aware(end)
        if not begin < until <= begin + MAX_RANGE:
            raise ApiError(400, "bad_range", "need from < to, at most 366 days apart")
        return {
            "schedule": name,
            "from": begin.isoformat(),
            "to": until.isoformat(),
            "shifts": [
                {"user": s.user, "start": s.start.isoformat(), "end": s.end.isoformat()}
                for s in shifts(known(name), begin, until)
            ],
        }

    return router
