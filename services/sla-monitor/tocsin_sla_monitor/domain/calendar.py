"""Business-time arithmetic: how much working time lies between two instants, and which instant
lies a given working time after another.

Instants are UTC. Working time is expanded per local day: each weekday's intervals (seconds of
the local day) become UTC segments through `zoneinfo`, so a day is 23 or 25 hours long across a
DST change. A local time that does not exist (the spring-forward gap) rolls forward to the end
of the gap; an ambiguous one (fall-back) starts at its first occurrence and ends at its last, so
the repeated hour is worked. Holidays are whole local days without working time.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DAY_S = 86_400
_ZERO = timedelta(0)
# A calendar that yields no working time in this many days is misconfigured, not merely sparse.
_MAX_EMPTY_DAYS = 3_660

Intervals = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class BusinessCalendar:
    """`hours[weekday]` (Monday = 0) holds sorted, non-overlapping (start_s, end_s) pairs."""

    zone: ZoneInfo
    hours: Mapping[int, Intervals]
    holidays: Container[date] = field(default_factory=frozenset)
    name: str = ""

    @property
    def always(self) -> bool:
        """24x7 with no holidays: business time is wall time, whatever the zone."""
        full = ((0, DAY_S),)
        return all(self.hours.get(d) == full for d in range(7)) and not _any_holiday(self)


def _any_holiday(calendar: BusinessCalendar) -> bool:
    return not (isinstance(calendar.holidays, frozenset | set) and not calendar.holidays)


def always_on(name: str = "24x7") -> BusinessCalendar:
    return BusinessCalendar(ZoneInfo("UTC"), {d: ((0, DAY_S),) for d in range(7)}, name=name)


def _to_utc(naive: datetime, zone: ZoneInfo, *, fold: int) -> datetime:
    """The instant a local wall time names; a nonexistent one rolls forward to the gap's end."""
    instant = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return instant
    # In a gap: fold=1 lands before it, fold=0 after it; find the first instant after it.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    low, high = min(low, high), max(low, high)
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(zone).replace(tzinfo=None) < naive:
            low = mid
        else:
            high = mid
    return high


def _segments(calendar: BusinessCalendar, day: date) -> Iterator[tuple[datetime, datetime]]:
    """The UTC segments of working time on one local day."""
    if day in calendar.holidays:
        return
    midnight = datetime.combine(day, datetime.min.time())
    for start_s, end_s in calendar.hours.get(day.weekday(), ()):
        start = _to_utc(midnight + timedelta(seconds=start_s), calendar.zone, fold=0)
        end = _to_utc(midnight + timedelta(seconds=end_s), calendar.zone, fold=1)
        if end > start:
            yield start, end


def _local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def elapsed(calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time between instants a and b (zero if b is not after a)."""
    if b <= a:
        return _ZERO
    if calendar.always:
        return b - a
    total = _ZERO
    day = _local_day(a, calendar.zone) - timedelta(days=1)
    last = _local_day(b, calendar.zone) + timedelta(days=1)
    while day <= last:
        for start, end in _segments(calendar, day):
            low, high = max(start, a), min(end, b)
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total


def add(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant at which `duration` of working time has passed since `start`."""
    if duration <= _ZERO:
        return start
    if calendar.always:
        return start + duration
    remaining = duration
    day = _local_day(start, calendar.zone) - timedelta(days=1)
    empty = 0
    while empty < _MAX_EMPTY_DAYS:
        worked = False
        for seg_start, seg_end in _segments(calendar, day):
            if seg_end <= start:
                continue
            worked = True
            low = max(seg_start, start)
            available = seg_end - low
            if remaining <= available:
                return low + remaining
            remaining -= available
        empty = 0 if worked else empty + 1
        day += timedelta(days=1)
    raise ValueError(f"calendar {calendar.name!r} has no working time in {_MAX_EMPTY_DAYS} days")
