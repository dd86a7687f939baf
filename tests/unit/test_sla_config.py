"""SLA policies and calendars in the Tocsin YAML: defaults, validation and references."""

from __future__ import annotations

import pytest
from tocsin_shared.config import parse_config
from tocsin_shared.config.loader import ConfigError

BASE = """
version: 1
services:
  - name: checkout
"""


def _config(extra: str) -> str:
    return BASE + extra


def test_a_policy_needs_only_name_target_and_minutes_and_gets_the_defaults() -> None:
    config = parse_config(
        _config("sla_policies:\n  - {name: tta, target: time_to_acknowledge, minutes: 15}\n"),
        source="t",
    )

    (policy,) = config.sla_policies
    assert policy.calendar == "24x7"
    assert policy.warn_at_percent == [50.0, 75.0, 90.0]
    assert policy.pause_on is None and policy.stop_on is None


def test_calendars_and_policies_with_conditions_parse() -> None:
    config = parse_config(
        _config(
            """
calendars:
  - name: office-ny
    time_zone: America/New_York
    hours:
      - {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
    holidays_country: US
    holidays_subdivision: NY
    holidays: [2026-12-24]
sla_policies:
  - name: first-note
    target: time_to_first_note
    minutes: 30
    calendar: office-ny
    severities: [critical]
    labels: {team: payments}
    stop_on: [note_added]
    pause_on: []
"""
        ),
        source="t",
    )

    assert config.calendars[0].hours[0].end == "17:00"
    assert config.sla_policies[0].stop_on == ["note_added"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("calendars:\n  - {name: c, time_zone: Mars/Olympus}\n", "unknown time zone"),
        (
            "calendars:\n  - name: c\n    hours: [{days: [mon], start: '17:00', end: '09:00'}]\n",
            "start must be before end",
        ),
        ("calendars:\n  - {name: c, holidays_country: XX}\n", "unknown country"),
        (
            "calendars:\n  - {name: c, holidays_country: US, holidays_subdivision: ZZ}\n",
            "unknown subdivision",
        ),
        (
            "sla_policies:\n  - {name: p, target: time_to_acknowledge, minutes: 5,"
            " calendar: nowhere}\n",
            "unknown calendar",
        ),
        (
            "sla_policies:\n  - {name: p, target: time_to_first_note, minutes: 5}\n",
            "needs stop_on",
        ),
        (
            "sla_policies:\n  - {name: p, target: time_to_acknowledge, minutes: 5,"
            " warn_at_percent: [50, 120]}\n",
            "between 0 and 100",
        ),
    ],
)
def test_bad_sla_config_is_refused_with_a_clear_message(extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(_config(extra), source="t")
