"""The CLI's one settings object: TOCSIN_* from the environment, command-line options on top."""

from __future__ import annotations

from pathlib import Path

import pytest
from tocsin_cli.errors import CliError
from tocsin_cli.main import parser, settings_for
from tocsin_cli.services import SERVICES
from tocsin_cli.settings import CliSettings


def settings(*argv: str) -> CliSettings:
    return settings_for(parser().parse_args(["up", *argv]))


def test_defaults_match_the_service_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    for spec in SERVICES:
        monkeypatch.delenv(spec.port_env, raising=False)
    defaults = settings()

    assert [defaults.port_of(s) for s in SERVICES] == [8080, 8081, 8082, 8083]
    assert defaults.state_dir == Path(".state")
    assert defaults.selected_services() == SERVICES


def test_environment_then_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOCSIN_SLA_MONITOR_PORT", "9182")
    monkeypatch.setenv("TOCSIN_INCIDENT_PORT", "9180")
    monkeypatch.setenv("TOCSIN_STATE_DIR", "/var/lib/tocsin")
    monkeypatch.setenv("TOCSIN_DATABASE_URL", "")

    chosen = settings("--incident-port", "7000", "--services", "incident, sla-monitor")

    ports = {s.name: chosen.port_of(s) for s in chosen.selected_services()}
    assert ports == {"incident": 7000, "sla-monitor": 9182}
    assert chosen.state_dir == Path("/var/lib/tocsin")
    assert chosen.dsn() is None


def test_bad_values_are_refused_with_the_setting_named() -> None:
    with pytest.raises(CliError, match="kafka_port"):
        settings("--kafka-port", "70000")
    with pytest.raises(CliError, match="unknown service 'billing'"):
        settings("--services", "billing").selected_services()
