"""The SLA monitor's settings (TOCSIN_*; port from TOCSIN_SLA_MONITOR_PORT or TOCSIN_PORT)."""

from __future__ import annotations

from typing import ClassVar

from tocsin_shared.settings import ServiceSettings, service_port_field


class SlaSettings(ServiceSettings):
    SERVICE: ClassVar[str] = "sla-monitor"

    port: int = service_port_field("sla-monitor", 8082)
