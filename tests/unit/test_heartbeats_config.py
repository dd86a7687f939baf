"""The `heartbeats` config section: one interval, and names that must exist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tocsin_shared.config import ConfigError, parse_config

BASE = """
services: [{name: checkout}]
integrations: [{name: prom, kind: alertmanager, service: checkout, key: k}]
heartbeats:
"""


def issues(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return [(i.line, i.path, i.message) for i in caught.value.issues]


def test_a_heartbeat_in_minutes_or_seconds_with_a_watchdog_match() -> None:
    config = parse_config(
        BASE + "  - {name: wd, service: checkout, interval_minutes: 2, integration: prom,"
        " match: {alertname: Watchdog}}\n"
        "  - {name: cron, service: checkout, interval_seconds: 90}\n"
    )
    watchdog, cron = config.heartbeats
    assert watchdog.interval() == timedelta(minutes=2)
    assert watchdog.match == {"alertname": "Watchdog"}
    assert cron.interval() == timedelta(seconds=90)
    assert config.heartbeat("cron") is cron
    assert config.heartbeat("nope") is None


@pytest.mark.parametrize(
    "interval", ["", "interval_seconds: 5, interval_minutes: 1,", "interval_seconds: 0,"]
)
def test_exactly_one_positive_interval(interval: str) -> None:
    found = issues(BASE + f"  - {{name: wd, service: checkout, {interval}}}\n")
    assert all(path.startswith("heartbeats[0]") for _, path, _ in found), found


def test_unknown_service_and_integration_are_named_with_their_line() -> None:
    text = (
        BASE
        + "  - {name: ok, service: checkout, interval_seconds: 5}\n"
        + "  - {name: wd, service: billing, interval_seconds: 5, integration: nope}\n"
        + "  - {name: ok, service: checkout, interval_seconds: 5}\n"
    )
    found = {(path, message) for _, path, message in issues(text)}
    assert found == {
        ("heartbeats[1].service", "unknown service 'billing'"),
        ("heartbeats[1].integration", "unknown integration 'nope'"),
        ("heartbeats[2].name", "duplicate name 'ok'"),
    }
