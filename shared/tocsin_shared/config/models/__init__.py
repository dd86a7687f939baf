"""The frame of the Tocsin YAML. Each service reads the sections it owns."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...contracts.events import Priority, Severity
from ._base import EventName, HashedSecret, Name, Strict, Weekday, WorkingHours, sha256_hex
from .access import ApiToken, Heartbeat, Integration, IntegrationKind, Role, Service
from .channels import AnyChannel, Channel, ChatChannel, EmailChannel, WebhookChannel
from .correlation import CorrelationRule, CorrelationSettings, SimilaritySettings
from .paging import (
    ContactMethod,
    EscalationLevel,
    EscalationPolicy,
    NotificationRule,
    Schedule,
    ScheduleLayer,
    ScheduleOverride,
    SlaBreachAction,
    Target,
    User,
)
from .sla import Calendar, SlaPolicy

__all__ = [
    "AnyChannel",
    "ApiToken",
    "Calendar",
    "Channel",
    "ChatChannel",
    "ContactMethod",
    "CorrelationRule",
    "CorrelationSettings",
    "EmailChannel",
    "EscalationLevel",
    "EscalationPolicy",
    "EventName",
    "HashedSecret",
    "Heartbeat",
    "Integration",
    "IntegrationKind",
    "Name",
    "NotificationRule",
    "Priority",
    "Role",
    "Schedule",
    "ScheduleLayer",
    "ScheduleOverride",
    "Service",
    "Severity",
    "SimilaritySettings",
    "SlaBreachAction",
    "SlaPolicy",
    "Strict",
    "Target",
    "TocsinConfig",
    "User",
    "WebhookChannel",
    "Weekday",
    "WorkingHours",
    "sha256_hex",
]


class TocsinConfig(Strict):
    version: Literal[1] = 1
    services: list[Service] = Field(default_factory=list)
    integrations: list[Integration] = Field(default_factory=list)
    api_tokens: list[ApiToken] = Field(default_factory=list)
    escalation_policies: list[EscalationPolicy] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    sla_policies: list[SlaPolicy] = Field(default_factory=list)
    calendars: list[Calendar] = Field(default_factory=list)
    correlation_rules: list[CorrelationRule] = Field(default_factory=list)
    correlation: CorrelationSettings = Field(default_factory=CorrelationSettings)
    heartbeats: list[Heartbeat] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)

    def user(self, name: str) -> User | None:
        return next((u for u in self.users if u.name == name), None)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def channel(self, name: str) -> AnyChannel | None:
        return next((c for c in self.channels if c.name == name), None)

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if s.name == name), None)

    def escalation_policy(self, name: str) -> EscalationPolicy | None:
        return next((p for p in self.escalation_policies if p.name == name), None)

    def heartbeat(self, name: str) -> Heartbeat | None:
        return next((h for h in self.heartbeats if h.name == name), None)

    def integration_for_key(self, presented: str) -> Integration | None:
        return next((i for i in self.integrations if i.matches(presented)), None)

    def api_token_for(self, presented: str) -> ApiToken | None:
        return next((t for t in self.api_tokens if t.matches(presented)), None)
