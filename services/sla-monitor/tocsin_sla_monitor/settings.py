"""The SLA monitor's settings (TOCSIN_*; port from TOCSIN_SLA_MONITOR_PORT or TOCSIN_PORT)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from tocsin_shared.settings import ServiceSettings, service_port_field


class SlaSettings(ServiceSettings):
    SERVICE: ClassVar[str] = "sla-monitor"

    port: int = service_port_field("sla-monitor", 8082)
    # An SLA event emitted more than this after its due time is marked `late`.
    sla_late_after_s: float = Field(1.0, gt=0, le=3600)
    # The timer loop sleeps at most this long, so a newly scheduled due time is this late at most.
    sla_timer_idle_s: float = Field(0.25, gt=0, le=60)
