"""The SLA API's views of clocks and of the report, without a database."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from tocsin_sla_monitor.adapters.reports import ReportData
from tocsin_sla_monitor.api import _view, report_view
from tocsin_sla_monitor.domain.calendar import always_on
from tocsin_sla_monitor.domain.clocks import SlaClock, new_clock
from tocsin_sla_monitor.domain.report import Tally, stats

from ..incident_events import T0

ALWAYS = always_on()
M = timedelta(minutes=1)


def _clock() -> SlaClock:
    return new_clock(
        incident_id=uuid4(),
        policy="tta",
        target="time_to_acknowledge",
        cycle=0,
        started_at=T0,
        budget=10 * M,
        calendar=ALWAYS,
        service="checkout",
        severity="critical",
        warn_at=(50,),
    )


def test_a_running_clock_shows_due_elapsed_remaining_and_percent() -> None:
    clock = _clock()

    view = _view(clock, ALWAYS, now=T0 + 4 * M)

    assert (view["state"], view["due_at"]) == ("running", T0 + 10 * M)
    assert (view["elapsed_s"], view["remaining_s"], view["percent"]) == (240.0, 360.0, 40.0)


def test_a_paused_clock_has_no_due_time_and_does_not_count_the_pause() -> None:
    clock = _clock()
    clock.pause(ALWAYS, T0 + 4 * M)

    view = _view(clock, ALWAYS, now=T0 + 60 * M)

    assert (view["state"], view["due_at"]) == ("paused", None)
    assert (view["elapsed_s"], view["percent"]) == (240.0, 40.0)


def test_compliance_excludes_cancelled_clocks_and_groups_carry_their_statistics() -> None:
    data = ReportData(
        tallies={("checkout", "critical"): Tally(met=3, breached=1, cancelled=5)},
        mtta={("checkout", "critical"): stats([60.0, 120.0, 180.0, 600.0])},
        in_flight_counts={("payments", "error"): 2},
    )

    groups = report_view(data)

    assert [(g["service"], g["severity"]) for g in groups] == [
        ("checkout", "critical"),
        ("payments", "error"),
    ]
    assert groups[0]["compliance_percent"] == 75.0
    assert groups[0]["mtta_s"] == {"count": 4, "mean": 240.0, "median": 150.0, "p90": 474.0}
    assert groups[0]["mttr_s"] == {"count": 0, "mean": None, "median": None, "p90": None}
    assert (groups[1]["compliance_percent"], groups[1]["in_flight_breaches"]) == (None, 2)
