"""docker-compose.yml, checked offline (no Docker engine here): its services and their commands."""

from __future__ import annotations

from typing import Any

import yaml
from tocsin_cli.main import parser

from ..conftest import REPO

TOCSIN_SERVICES = {"incident", "problem", "sla-monitor", "notifier"}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


def test_every_part_of_the_system_is_there() -> None:
    services = compose()["services"]
    assert {"postgres", "kafka", "setup"} | TOCSIN_SERVICES <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_every_tocsin_command_is_one_the_cli_accepts() -> None:
    services = compose()["services"]
    for name in TOCSIN_SERVICES | {"setup"}:
        args = parser().parse_args(services[name]["command"])
        assert args.command in {"serve", "setup"}, name
        if args.command == "serve":
            assert args.service == name


def test_services_wait_for_setup_and_report_health() -> None:
    services = compose()["services"]
    for name in TOCSIN_SERVICES:
        assert services[name]["depends_on"]["setup"]["condition"] == (
            "service_completed_successfully"
        )
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"])
        env = services[name]["environment"]
        assert {"TOCSIN_DATABASE_URL", "TOCSIN_KAFKA_BOOTSTRAP_SERVERS", "TOCSIN_CONFIG"} <= set(
            env
        )
