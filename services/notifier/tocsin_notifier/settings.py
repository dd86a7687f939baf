"""The notifier's settings (TOCSIN_*; port from TOCSIN_NOTIFIER_PORT or TOCSIN_PORT)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from tocsin_shared.settings import ServiceSettings, service_port_field


class NotifierSettings(ServiceSettings):
    SERVICE: ClassVar[str] = "notifier"

    port: int = service_port_field("notifier", 8083)
    incident_url: str = "http://127.0.0.1:8080"
    delivery_poll_interval_s: float = Field(0.2, gt=0, le=30)
    delivery_batch_size: int = Field(50, ge=1, le=1000)
    delivery_lease_s: float = Field(60.0, gt=0)
    delivery_max_attempts: int = Field(8, ge=1, le=50)
    delivery_backoff_base_s: float = Field(1.0, gt=0)
    delivery_backoff_cap_s: float = Field(300.0, gt=0)
