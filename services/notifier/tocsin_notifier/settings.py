"""The notifier's settings (TOCSIN_*; port from TOCSIN_NOTIFIER_PORT or TOCSIN_PORT)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
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
    # An escalation step that fires this much after its due time (the notifier was down) is
    # marked late on its pages.
    escalation_late_after_s: float = Field(30.0, ge=0)
    timer_poll_interval_s: float = Field(1.0, gt=0, le=30)
    # At most this many messages per window to one person's contact method; more are bundled
    # (0: no limit). Pages to plain channels are not limited.
    contact_rate_limit: int = Field(5, ge=0, le=10_000)
    contact_rate_window_s: float = Field(300.0, gt=0)
    # One-click acknowledge / resolve links: signed with this secret (shared with the incident
    # service, which verifies them); no secret, no links. The base URL defaults to incident_url.
    action_link_secret: SecretStr | None = None
    action_link_base_url: str | None = None
    action_link_ttl_hours: float = Field(24.0, gt=0, le=24 * 30)
