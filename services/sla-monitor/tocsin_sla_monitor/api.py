"""HTTP entry points: translate the request, query, translate the answer."""

# No `from __future__ import annotations` here: FastAPI evaluates the string annotation
# `Annotated[ApiToken, viewer]` in module globals, where the closure's `viewer` does not exist, and
# would then take `_` for a required query parameter.

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .adapters.reports import ReportData, clocks_for_incident, report_data, stats_view
from .domain.calendar import BusinessCalendar
from .domain.clocks import ClockState, SlaClock, read
from .domain.report import Tally

DEFAULT_WINDOW = timedelta(days=30)


def _view(sla_clock: SlaClock, calendar: BusinessCalendar, *, now: datetime) -> dict[str, Any]:
    reading = read(sla_clock, calendar, now=now)
    return {
        "clock_id": sla_clock.id,
        "policy": sla_clock.policy,
        "target": sla_clock.target,
        "cycle": sla_clock.cycle,
        "calendar": sla_clock.calendar,
        "started_at": sla_clock.started_at,
        # A paused clock has no due time until it resumes.
        "due_at": None if sla_clock.state is ClockState.PAUSED else sla_clock.due_at,
        "state": sla_clock.state.value,
        "stopped_at": sla_clock.stopped_at,
        "breached_at": sla_clock.breached_at,
        "elapsed_s": reading.elapsed_s,
        "remaining_s": reading.remaining_s,
        "percent": reading.percent,
    }


def report_view(data: ReportData) -> list[dict[str, Any]]:
    groups = []
    for group in data.groups():
        tally = data.tallies.get(group, Tally())
        groups.append(
            {
                "service": group[0],
                "severity": group[1],
                "met": tally.met,
                "breached": tally.breached,
                "cancelled": tally.cancelled,
                "compliance_percent": tally.compliance_percent,
                "in_flight_breaches": data.in_flight_counts.get(group, 0),
                "mtta_s": stats_view(data.mtta.get(group)),
                "mttr_s": stats_view(data.mttr.get(group)),
            }
        )
    return groups


def sla_router(
    *,
    config: TocsinConfig,
    pool: Callable[[], asyncpg.Pool],
    clock: Clock,
    calendars: Callable[[str], BusinessCalendar],
) -> APIRouter:
    router = APIRouter(tags=["sla"])
    viewer = Depends(require_role(config, Role.VIEWER))

    @router.get("/v1/sla/incidents/{incident_id}")
    async def incident_clocks(incident_id: UUID, _: Annotated[ApiToken, viewer]) -> dict[str, Any]:
        """The incident's SLA clocks; none if no policy matched (or its trigger is not seen yet)."""
        clocks = await clocks_for_incident(pool(), incident_id)
        now = clock.now()
        views = [_view(c, calendars(c.calendar), now=now) for c in clocks]
        return {"incident_id": incident_id, "clocks": views}

    @router.get("/v1/sla/report")
    async def report(
        _: Annotated[ApiToken, viewer],
        start: Annotated[datetime | None, Query(alias="from")] = None,
        end: Annotated[datetime | None, Query(alias="to")] = None,
        service: Annotated[str | None, Query(max_length=100)] = None,
    ) -> dict[str, Any]:
        """Compliance over clocks completed in [from, to), in-flight breaches, MTTA and MTTR."""
        end = end or clock.now()
        start = start or end - DEFAULT_WINDOW
        if start.tzinfo is None or end.tzinfo is None:
            raise ApiError(422, "invalid_window", "from and to need a time zone offset")
        if start >= end:
            raise ApiError(422, "invalid_window", "from must be before to")
        data = await report_data(pool(), start=start, end=end, service=service)
        total = sum(data.tallies.values(), Tally())
        return {
            "from": start,
            "to": end,
            "service": service,
            "compliance_percent": total.compliance_percent,
            "met": total.met,
            "breached": total.breached,
            "cancelled": total.cancelled,
            "groups": report_view(data),
            "in_flight_breaches": [
                {
                    "clock_id": c.id,
                    "incident_id": c.incident_id,
                    "policy": c.policy,
                    "target": c.target,
                    "service": c.service,
                    "severity": c.severity,
                    "due_at": c.due_at,
                    "breached_at": c.breached_at,
                }
                for c in data.in_flight
            ],
        }

    return router
