"""The incident service's settings (TOCSIN_*; port from TOCSIN_INCIDENT_PORT or TOCSIN_PORT)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from tocsin_shared.settings import ServiceSettings, service_port_field


class IncidentSettings(ServiceSettings):
    SERVICE: ClassVar[str] = "incident"

    port: int = service_port_field("incident", 8080)
    processor_batch_size: int = Field(500, ge=1, le=5000)
    # Verifies one-click acknowledge / resolve links; the notifier signs them with the same
    # TOCSIN_ACTION_LINK_SECRET. No secret: links are refused.
    action_link_secret: SecretStr | None = None
