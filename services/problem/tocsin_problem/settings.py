"""The problem service's settings (TOCSIN_*; port from TOCSIN_PROBLEM_PORT or TOCSIN_PORT)."""

from __future__ import annotations

from typing import ClassVar

from tocsin_shared.settings import ServiceSettings, service_port_field


class ProblemSettings(ServiceSettings):
    SERVICE: ClassVar[str] = "problem"

    port: int = service_port_field("problem", 8081)
