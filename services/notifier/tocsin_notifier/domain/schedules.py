"""Who is on call: rotations, layers (a higher one wins), restrictions, overrides; DST-correct.

Day and week shifts hand off at the local wall-clock time in the schedule's zone, so across a DST
change a daily shift lasts 23 or 25 hours. A handoff time that does not exist that day (inside
the spring gap) happens at the equivalent instant of the old offset, i.e. the hour after; one
that happens twice (the autumn overlap) happens the first time. Hour shifts are elapsed hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from tocsin_shared.config.models import Schedule, ScheduleLayer, WorkingHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNIT_DAYS = {"days": 1, "weeks": 7}


@dataclass(frozen=True)
class Shift:
    user: str
    start: datetime
    end: datetime


def _clock(text: str) -> tuple[int, int]:
    hours, minutes = text.split(":")
    return int(hours), int(minutes)


def _local(day: date, clock: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (`24:00` is the next midnight)."""
    hours, minutes = _clock(clock)
    naive = datetime.combine(day, time(0, 0)) + timedelta(hours=hours, minutes=minutes)
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _boundary(layer: ScheduleLayer, k: int, zone: ZoneInfo) -> datetime:
    """The start of the layer's k-th shift (k may be negative: before the rotation began)."""
    if layer.shift_unit == "hours":
        return _local(layer.start, layer.handoff, zone) + timedelta(hours=k * layer.shift_length)
    days = k * layer.shift_length * _UNIT_DAYS[layer.shift_unit]
    return _local(layer.start + timedelta(days=days), layer.handoff, zone)


def _shift_index(layer: ScheduleLayer, at: datetime, zone: ZoneInfo) -> int:
    first = _boundary(layer, 0, zone)
    span = _boundary(layer, 1, zone) - first
    k = int((at - first) / span)  # an estimate: DST makes some shifts an hour shorter or longer
    while _boundary(layer, k, zone) > at:
        k -= 1
    while _boundary(layer, k + 1, zone) <= at:
        k += 1
    return k


def _within(windows: list[WorkingHours], at: datetime, zone: ZoneInfo) -> bool:
    if not windows:
        return True
    local_day = at.astimezone(zone).date()
    for day in (local_day - timedelta(days=1), local_day):
        for window in windows:
            if WEEKDAYS[day.weekday()] not in window.days:
                continue
            if _local(day, window.start, zone) <= at < _local(day, window.end, zone):
                return True
    return False


def layer_on_call(layer: ScheduleLayer, at: datetime, zone: ZoneInfo) -> str | None:
    if at < _boundary(layer, 0, zone) or not _within(layer.restrictions, at, zone):
        return None
    k = _shift_index(layer, at, zone)
    return layer.members[k % len(layer.members)]


def on_call(schedule: Schedule, at: datetime) -> str | None:
    """The person on call at `at`: the latest override covering it, else the highest layer
    that has someone, else nobody."""
    covering = [o for o in schedule.overrides if o.start <= at < o.end]
    if covering:
        return covering[-1].user
    zone = ZoneInfo(schedule.time_zone)
    for layer in reversed(schedule.layers):
        person = layer_on_call(layer, at, zone)
        if person is not None:
            return person
    return None


def _edges(schedule: Schedule, start: datetime, end: datetime) -> set[datetime]:
    """Every instant in [start, end) at which the answer may change."""
    zone = ZoneInfo(schedule.time_zone)
    edges = {start}
    for override in schedule.overrides:
        edges |= {override.start, override.end}
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    for layer in schedule.layers:
        k = max(_shift_index(layer, start, zone), 0)
        while (boundary := _boundary(layer, k, zone)) < end:
            edges.add(boundary)
            k += 1
        day = first_day
        while day <= last_day:
            for window in layer.restrictions:
                edges |= {_local(day, window.start, zone), _local(day, window.end, zone)}
            day += timedelta(days=1)
    return {e for e in edges if start <= e < end}


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final schedule over [start, end): who is on call when, adjacent same-person spans
    merged; time with nobody on call is left out."""
    points = [*sorted(_edges(schedule, start, end)), end]
    out: list[Shift] = []
    for a, b in pairwise(points):
        person = on_call(schedule, a)
        if person is None:
            continue
        if out and out[-1].user == person and out[-1].end == a:
            out[-1] = Shift(person, out[-1].start, b)
        else:
            out.append(Shift(person, a, b))
    return out
