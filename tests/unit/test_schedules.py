"""On-call schedules: rotations, layers, restrictions, overrides, and both DST transitions of
two zones (America/New_York, Europe/Berlin)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from tocsin_notifier.domain.schedules import Shift, on_call, shifts
from tocsin_shared.config.models import Schedule


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def schedule(zone: str = "UTC", *layers: dict[str, Any], overrides: Any = ()) -> Schedule:
    return Schedule.model_validate(
        {"name": "primary", "time_zone": zone, "layers": list(layers), "overrides": list(overrides)}
    )


def daily(start: date, handoff: str = "09:00", **extra: Any) -> dict[str, Any]:
    return {
        "name": "daily",
        "members": ["ann", "bob"],
        "shift_length": 1,
        "shift_unit": "days",
        "start": start,
        "handoff": handoff,
        **extra,
    }


# (zone, the day before the change, the handoff of that day's shift and of the next, in UTC)
DST = [
    ("America/New_York", date(2026, 3, 7), utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)),  # spring
    ("America/New_York", date(2026, 10, 31), utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)),  # fall
    ("Europe/Berlin", date(2026, 3, 28), utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
    ("Europe/Berlin", date(2026, 10, 24), utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
]


@pytest.mark.parametrize(("zone", "day", "handoff", "next_handoff"), DST)
def test_a_daily_shift_hands_off_at_local_09_00_across_dst(
    zone: str, day: date, handoff: datetime, next_handoff: datetime
) -> None:
    s = schedule(zone, daily(day))  # ann takes the shift of `day`, bob the next one
    assert on_call(s, handoff - timedelta(minutes=1)) is None  # before the rotation starts
    assert on_call(s, handoff) == "ann"
    assert on_call(s, next_handoff - timedelta(minutes=1)) == "ann"
    assert on_call(s, next_handoff) == "bob"
    first = shifts(s, handoff, next_handoff + timedelta(hours=1))[0]
    assert first == Shift("ann", handoff, next_handoff)
    assert first.end - first.start in (timedelta(hours=23), timedelta(hours=25))


def test_a_handoff_inside_the_spring_gap_happens_the_hour_after() -> None:
    s = schedule("America/New_York", daily(date(2026, 3, 7), handoff="02:30"))
    # 02:30 does not exist on 8 March: the handoff is at 03:30 EDT = 07:30 UTC
    assert on_call(s, utc(2026, 3, 8, 7, 29)) == "ann"
    assert on_call(s, utc(2026, 3, 8, 7, 30)) == "bob"


def test_a_handoff_inside_the_autumn_overlap_happens_the_first_time() -> None:
    s = schedule("Europe/Berlin", daily(date(2026, 10, 24), handoff="02:30"))
    # 02:30 happens twice on 25 October: first at CEST (00:30 UTC), then at CET (01:30 UTC)
    assert on_call(s, utc(2026, 10, 25, 0, 29)) == "ann"
    assert on_call(s, utc(2026, 10, 25, 0, 30)) == "bob"
    assert on_call(s, utc(2026, 10, 25, 1, 45)) == "bob"


def test_a_weekly_rotation_cycles_through_its_members() -> None:
    layer = {
        "name": "weekly",
        "members": ["ann", "bob", "cat"],
        "shift_unit": "weeks",
        "start": date(2026, 1, 5),
        "handoff": "10:00",
    }
    s = schedule("UTC", layer)
    mondays = [utc(2026, 1, 5, 10) + timedelta(weeks=w) for w in range(5)]
    assert [on_call(s, m) for m in mondays] == ["ann", "bob", "cat", "ann", "bob"]
    assert on_call(s, mondays[1] - timedelta(seconds=1)) == "ann"


def test_hour_shifts_are_elapsed_hours_even_across_dst() -> None:
    layer = {
        "name": "halves",
        "members": ["ann", "bob"],
        "shift_length": 12,
        "shift_unit": "hours",
        "start": date(2026, 3, 7),
        "handoff": "20:00",
    }
    s = schedule("America/New_York", layer)  # first shift from 01:00 UTC on 8 March
    assert on_call(s, utc(2026, 3, 8, 12, 59)) == "ann"
    assert on_call(s, utc(2026, 3, 8, 13)) == "bob"
    assert on_call(s, utc(2026, 3, 9, 1)) == "ann"


def test_a_higher_layer_wins_within_its_restriction_and_the_lower_shows_outside() -> None:
    base = daily(date(2026, 3, 23), name="base", members=["night"])
    office = {
        "name": "office",
        "members": ["day"],
        "shift_unit": "weeks",
        "start": date(2026, 3, 1),
        "restrictions": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
        ],
    }
    s = schedule("Europe/Berlin", base, office)
    # Monday 30 March, the day after the spring change: 09:00 CEST is 07:00 UTC
    assert on_call(s, utc(2026, 3, 30, 6, 59)) == "night"
    assert on_call(s, utc(2026, 3, 30, 7)) == "day"
    assert on_call(s, utc(2026, 3, 30, 14, 59)) == "day"
    assert on_call(s, utc(2026, 3, 30, 15)) == "night"
    assert on_call(s, utc(2026, 3, 28, 10)) == "night"  # a Saturday
    day = shifts(s, utc(2026, 3, 30, 0), utc(2026, 3, 31, 0))
    assert day == [
        Shift("night", utc(2026, 3, 30, 0), utc(2026, 3, 30, 7)),
        Shift("day", utc(2026, 3, 30, 7), utc(2026, 3, 30, 15)),
        Shift("night", utc(2026, 3, 30, 15), utc(2026, 3, 31, 0)),
    ]


def test_an_override_beats_every_layer_for_its_range() -> None:
    override = {"user": "zed", "start": utc(2026, 5, 4, 12), "end": utc(2026, 5, 4, 14)}
    s = schedule("UTC", daily(date(2026, 5, 1)), overrides=[override])
    assert on_call(s, utc(2026, 5, 4, 11, 59)) == "bob"
    assert on_call(s, utc(2026, 5, 4, 12)) == "zed"
    assert on_call(s, utc(2026, 5, 4, 14)) == "bob"
    assert shifts(s, utc(2026, 5, 4, 10), utc(2026, 5, 4, 16)) == [
        Shift("bob", utc(2026, 5, 4, 10), utc(2026, 5, 4, 12)),
        Shift("zed", utc(2026, 5, 4, 12), utc(2026, 5, 4, 14)),
        Shift("bob", utc(2026, 5, 4, 14), utc(2026, 5, 4, 16)),
    ]


def test_shifts_leave_out_time_with_nobody_on_call() -> None:
    s = schedule("UTC", daily(date(2026, 5, 1)))
    assert shifts(s, utc(2026, 4, 30), utc(2026, 5, 1, 12)) == [
        Shift("ann", utc(2026, 5, 1, 9), utc(2026, 5, 1, 12))
    ]
    assert on_call(schedule("UTC"), utc(2026, 5, 1)) is None
