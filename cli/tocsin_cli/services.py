"""The registry of Tocsin's services: name, Python package and port; everything else derives."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import CliError


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    default_port: int

    @property
    def port_setting(self) -> str:
        """The CLI settings field (and, upper-cased with TOCSIN_, the environment variable)."""
        return f"{self.name.replace('-', '_')}_port"

    @property
    def port_env(self) -> str:
        return f"TOCSIN_{self.port_setting.upper()}"

    @property
    def port_option(self) -> str:
        return f"--{self.name}-port"

    def schema_and_migrations(self) -> tuple[str, Path]:
        package = importlib.import_module(self.module)
        return str(package.SCHEMA), Path(package.MIGRATIONS)

    def main_argv(self, python: str) -> list[str]:
        return [python, "-m", self.module]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("incident", "tocsin_incident", 8080),
    ServiceSpec("problem", "tocsin_problem", 8081),
    ServiceSpec("sla-monitor", "tocsin_sla_monitor", 8082),
    ServiceSpec("notifier", "tocsin_notifier", 8083),
)

NAMES = tuple(s.name for s in SERVICES)


def by_name(name: str) -> ServiceSpec:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise CliError(f"unknown service {name!r}; the services are: {', '.join(NAMES)}")


def select(names: Iterable[str]) -> tuple[ServiceSpec, ...]:
    """The services named (in registry order), or all of them when none are named."""
    wanted = {by_name(n).name for n in names}
    return tuple(s for s in SERVICES if not wanted or s.name in wanted)
