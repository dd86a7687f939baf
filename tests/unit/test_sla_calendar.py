"""Business-time arithmetic: working hours, holidays, DST in two zones, long durations, and the
properties that tie `add` and `elapsed` together."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tocsin_shared.config.models import Calendar, WorkingHours
from tocsin_sla_monitor.calendars import business_calendar
from tocsin_sla_monitor.domain.calendar import BusinessCalendar, add, always_on, elapsed

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
ALL_DAYS = [*WEEKDAYS, "sat", "sun"]


def _calendar(zone: str, *, start: str, end: str, days: list[str] = WEEKDAYS, **more: object):
    hours = [WorkingHours(days=days, start=start, end=end)]  # type: ignore[arg-type]
    return business_calendar(Calendar(name="c", time_zone=zone, hours=hours, **more))  # type: ignore[arg-type]


OFFICE_NY = _calendar("America/New_York", start="09:00", end="17:00")
NIGHT_NY = _calendar("America/New_York", start="01:00", end="05:00", days=ALL_DAYS)
NIGHT_BERLIN = _calendar("Europe/Berlin", start="01:00", end="05:00", days=ALL_DAYS)


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


def test_a_start_outside_working_hours_waits_for_the_next_working_minute() -> None:
    saturday = local(NY, 2026, 1, 10, 10, 0)
    early_monday = local(NY, 2026, 1, 12, 7, 0)

    assert add(OFFICE_NY, saturday, H) == local(NY, 2026, 1, 12, 10, 0)
    assert add(OFFICE_NY, early_monday, 2 * H) == local(NY, 2026, 1, 12, 11, 0)
    assert elapsed(OFFICE_NY, saturday, local(NY, 2026, 1, 12, 10, 0)) == H
    assert elapsed(OFFICE_NY, saturday, local(NY, 2026, 1, 11, 23, 0)) == timedelta(0)


def test_a_working_day_is_counted_from_where_it_starts() -> None:
    friday_4pm = local(NY, 2026, 1, 9, 16, 0)

    assert add(OFFICE_NY, friday_4pm, 2 * H) == local(NY, 2026, 1, 12, 10, 0)
    assert elapsed(OFFICE_NY, friday_4pm, local(NY, 2026, 1, 12, 10, 0)) == 2 * H


def test_a_holiday_from_the_holidays_package_has_no_working_time() -> None:
    calendar = _calendar("America/New_York", start="09:00", end="17:00", holidays_country="US")
    wednesday = local(NY, 2026, 11, 25, 16, 0)  # Thanksgiving is Thursday 2026-11-26

    assert add(calendar, wednesday, 2 * H) == local(NY, 2026, 11, 27, 10, 0)
    assert add(OFFICE_NY, wednesday, 2 * H) == local(NY, 2026, 11, 26, 10, 0)
    assert elapsed(calendar, wednesday, local(NY, 2026, 11, 27, 10, 0)) == 2 * H


def test_an_explicit_holiday_date_has_no_working_time() -> None:
    calendar = _calendar("Europe/Berlin", start="09:00", end="17:00", holidays=[date(2026, 1, 6)])
    monday = local(BERLIN, 2026, 1, 5, 16, 0)

    assert add(calendar, monday, 2 * H) == local(BERLIN, 2026, 1, 7, 10, 0)


@pytest.mark.parametrize(
    ("calendar", "zone", "spring", "fall"),
    [
        (NIGHT_NY, NY, date(2026, 3, 8), date(2026, 11, 1)),
        (NIGHT_BERLIN, BERLIN, date(2026, 3, 29), date(2026, 10, 25)),
    ],
)
def test_local_working_hours_are_shorter_on_spring_forward_and_longer_on_fall_back(
    calendar: BusinessCalendar, zone: ZoneInfo, spring: date, fall: date
) -> None:
    def whole_day(day: date) -> timedelta:
        start = local(zone, day.year, day.month, day.day, 0, 0)
        return elapsed(calendar, start, start + timedelta(hours=20))

    # 01:00-05:00 local: one hour is skipped in spring, one repeated in autumn.
    assert whole_day(spring - timedelta(days=7)) == 4 * H
    assert whole_day(spring) == 3 * H
    assert whole_day(fall) == 5 * H
    spring_start = local(zone, spring.year, spring.month, spring.day, 0, 0)
    fall_start = local(zone, fall.year, fall.month, fall.day, 0, 0)
    assert add(calendar, spring_start, 3 * H) == local(
        zone, spring.year, spring.month, spring.day, 5, 0
    )
    assert add(calendar, fall_start, 5 * H) == local(zone, fall.year, fall.month, fall.day, 5, 0)


def test_a_nonexistent_local_start_rolls_forward_to_the_end_of_the_gap() -> None:
    calendar = _calendar("America/New_York", start="02:30", end="04:00", days=["sun"])
    sunday = local(NY, 2026, 3, 8, 0, 0)

    # 02:30 does not exist on 2026-03-08 in New York: working time starts at 03:00 EDT.
    assert add(calendar, sunday, timedelta(minutes=1)) == datetime(2026, 3, 8, 7, 1, tzinfo=UTC)
    assert elapsed(calendar, sunday, sunday + timedelta(hours=12)) == H


def test_office_hours_stay_at_local_nine_to_five_across_a_dst_change() -> None:
    berlin = _calendar("Europe/Berlin", start="09:00", end="17:00")
    friday = local(BERLIN, 2026, 3, 27, 9, 0)

    assert add(berlin, friday, 8 * H) == local(BERLIN, 2026, 3, 27, 17, 0)
    assert add(berlin, friday, 9 * H) == local(BERLIN, 2026, 3, 30, 10, 0)
    assert add(OFFICE_NY, local(NY, 2026, 10, 30, 9, 0), 9 * H) == local(NY, 2026, 11, 2, 10, 0)


def test_durations_longer_than_a_week_span_weekends() -> None:
    monday = local(NY, 2026, 1, 5, 9, 0)
    with_holidays = _calendar("America/New_York", start="09:00", end="17:00", holidays_country="US")

    assert add(OFFICE_NY, monday, 100 * H) == local(NY, 2026, 1, 21, 13, 0)
    # Martin Luther King Jr. Day (2026-01-19) moves it one working day on.
    assert add(with_holidays, monday, 100 * H) == local(NY, 2026, 1, 22, 13, 0)
    assert elapsed(OFFICE_NY, monday, local(NY, 2026, 1, 21, 13, 0)) == 100 * H


def test_24x7_is_wall_time() -> None:
    calendar = always_on()
    start = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)

    assert add(calendar, start, timedelta(days=9)) == start + timedelta(days=9)
    assert elapsed(calendar, start, start + timedelta(days=9)) == timedelta(days=9)


def test_a_calendar_without_working_time_is_an_error_not_a_hang() -> None:
    calendar = BusinessCalendar(ZoneInfo("UTC"), {}, name="never")

    with pytest.raises(ValueError, match="no working time"):
        add(calendar, datetime(2026, 1, 1, tzinfo=UTC), H)


CALENDARS = st.sampled_from(
    [
        OFFICE_NY,
        NIGHT_BERLIN,
        _calendar("Europe/Berlin", start="08:30", end="18:15", holidays_country="DE"),
        always_on(),
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 2, 1), timezones=st.just(UTC)
)
DURATIONS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


@settings(max_examples=150, deadline=None)
@given(calendar=CALENDARS, start=INSTANTS, duration=DURATIONS)
def test_elapsed_undoes_add(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    assert elapsed(calendar, start, add(calendar, start, duration)) == duration


@settings(max_examples=150, deadline=None)
@given(calendar=CALENDARS, a=INSTANTS, b=INSTANTS)
def test_add_of_elapsed_is_the_earliest_instant_with_that_much_work(
    calendar: BusinessCalendar, a: datetime, b: datetime
) -> None:
    a, b = min(a, b), max(a, b)
    reached = add(calendar, a, elapsed(calendar, a, b))

    assert a <= reached <= b
    assert elapsed(calendar, reached, b) == timedelta(0)


@settings(max_examples=150, deadline=None)
@given(calendar=CALENDARS, instants=st.lists(INSTANTS, min_size=3, max_size=3))
def test_elapsed_adds_up_over_consecutive_intervals(
    calendar: BusinessCalendar, instants: list[datetime]
) -> None:
    a, b, c = sorted(instants)

    assert elapsed(calendar, a, b) + elapsed(calendar, b, c) == elapsed(calendar, a, c)
