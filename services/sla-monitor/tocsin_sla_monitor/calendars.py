"""Business calendars from the config: weekly hours, the `holidays` package and explicit dates."""

from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import date
from zoneinfo import ZoneInfo

import holidays
from tocsin_shared.config.models import Calendar, TocsinConfig

from .domain.calendar import DAY_S, BusinessCalendar, Intervals, always_on

ALWAYS = "24x7"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _seconds(clock_time: str) -> int:
    hours, minutes = clock_time.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _merge(intervals: list[tuple[int, int]]) -> Intervals:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


class _Holidays:
    """Explicit dates plus a country's public holidays (expanded lazily, year by year)."""

    def __init__(self, dates: frozenset[date], country: Container[date] | None) -> None:
        self._dates = dates
        self._country = country

    def __contains__(self, day: object) -> bool:
        return day in self._dates or (self._country is not None and day in self._country)


def business_calendar(spec: Calendar) -> BusinessCalendar:
    hours: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for block in spec.hours or ():
        for day in block.days:
            hours[_DAYS.index(day)].append((_seconds(block.start), _seconds(block.end)))
    if not spec.hours:
        hours = {d: [(0, DAY_S)] for d in range(7)}
    country = None
    if spec.holidays_country:
        country = holidays.country_holidays(spec.holidays_country, subdiv=spec.holidays_subdivision)
    days: Container[date] = frozenset(spec.holidays)
    if country is not None:
        days = _Holidays(frozenset(spec.holidays), country)
    return BusinessCalendar(
        ZoneInfo(spec.time_zone),
        {d: _merge(v) for d, v in hours.items()},
        holidays=days,
        name=spec.name,
    )


class CalendarBook:
    """Every configured calendar by name; `24x7` always exists."""

    def __init__(self, config: TocsinConfig) -> None:
        self._calendars: Mapping[str, BusinessCalendar] = {
            ALWAYS: always_on(ALWAYS),
            **{c.name: business_calendar(c) for c in config.calendars},
        }

    def __call__(self, name: str) -> BusinessCalendar:
        # A clock whose calendar left the config keeps counting around the clock.
        return self._calendars.get(name) or self._calendars[ALWAYS]
