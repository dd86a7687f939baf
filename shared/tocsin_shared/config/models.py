"""The frame of the Tocsin YAML. Each service reads the sections it owns."""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from ..contracts.events import Severity

_NAME = r"^[a-z0-9][a-z0-9_.-]{0,99}$"
Name = Annotated[str, Field(pattern=_NAME)]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HashedSecret(Strict):
    """A secret given in clear (`key`/`token`, for development) or as its SHA-256 (`*_sha256`)."""

    def _digest(self) -> str:
        raise NotImplementedError

    def matches(self, presented: str) -> bool:
        return hmac.compare_digest(self._digest(), sha256_hex(presented))


class Service(Strict):
    name: Name
    description: str = ""
    escalation_policy: Name | None = None
    # Lifecycle timers, both optional: re-trigger an incident acknowledged this long ago;
    # resolve an open incident that has had no alert for this long.
    ack_timeout_minutes: int | None = Field(default=None, gt=0, le=525_600)
    auto_resolve_minutes: int | None = Field(default=None, gt=0, le=525_600)


class IntegrationKind(StrEnum):
    NATIVE = "native"
    ALERTMANAGER = "alertmanager"
    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"
    KAFKA = "kafka"


class Integration(HashedSecret):
    name: Name
    kind: IntegrationKind = IntegrationKind.NATIVE
    service: Name
    key: SecretStr | None = None
    key_sha256: str | None = Field(default=None, pattern=_SHA256.pattern)
    # Per-integration mapping for the compatible endpoints (Alertmanager, PagerDuty, Opsgenie).
    dedup_by: Literal["fingerprint", "group_key"] = "fingerprint"
    severity_map: dict[str, Severity] = Field(default_factory=dict)
    rate_limit_per_s: float = Field(200.0, gt=0)
    rate_limit_burst: int = Field(2000, ge=1)

    @model_validator(mode="after")
    def _one_key(self) -> Integration:
        if (self.key is None) == (self.key_sha256 is None):
            raise ValueError("give exactly one of key or key_sha256")
        return self

    def _digest(self) -> str:
        if self.key_sha256 is not None:
            return self.key_sha256
        assert self.key is not None
        return sha256_hex(self.key.get_secret_value())


class Role(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"


class ApiToken(HashedSecret):
    name: Name
    role: Role
    token: SecretStr | None = None
    token_sha256: str | None = Field(default=None, pattern=_SHA256.pattern)

    @model_validator(mode="after")
    def _one_token(self) -> ApiToken:
        if (self.token is None) == (self.token_sha256 is None):
            raise ValueError("give exactly one of token or token_sha256")
        return self

    def _digest(self) -> str:
        if self.token_sha256 is not None:
            return self.token_sha256
        assert self.token is not None
        return sha256_hex(self.token.get_secret_value())


class WebhookChannel(Strict):
    name: Name
    type: Literal["webhook"]
    url: Annotated[str, Field(pattern=r"^https?://")]
    secret: SecretStr
    timeout_s: float = Field(5.0, gt=0, le=60)


Channel = Annotated[WebhookChannel, Field(discriminator="type")]


class Target(Strict):
    channel: Name


class EscalationLevel(Strict):
    targets: list[Target] = Field(min_length=1)
    delay_minutes: float = Field(0, ge=0)


class EscalationPolicy(Strict):
    name: Name
    levels: list[EscalationLevel] = Field(min_length=1)
    repeat: int = Field(0, ge=0, le=20)


class Schedule(Strict):
    name: Name
    time_zone: str = "UTC"


class SlaPolicy(Strict):
    name: Name
    target: Literal["time_to_acknowledge", "time_to_resolve"]
    minutes: float = Field(gt=0)
    services: list[Name] = Field(default_factory=list)


class CorrelationRule(Strict):
    name: Name
    kind: Literal["recurrence"] = "recurrence"
    threshold: int = Field(3, ge=2)
    window_days: float = Field(30, gt=0)


class TocsinConfig(Strict):
    version: Literal[1] = 1
    services: list[Service] = Field(default_factory=list)
    integrations: list[Integration] = Field(default_factory=list)
    api_tokens: list[ApiToken] = Field(default_factory=list)
    escalation_policies: list[EscalationPolicy] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    sla_policies: list[SlaPolicy] = Field(default_factory=list)
    correlation_rules: list[CorrelationRule] = Field(default_factory=list)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def channel(self, name: str) -> WebhookChannel | None:
        return next((c for c in self.channels if c.name == name), None)

    def escalation_policy(self, name: str) -> EscalationPolicy | None:
        return next((p for p in self.escalation_policies if p.name == name), None)

    def integration_for_key(self, presented: str) -> Integration | None:
        return next((i for i in self.integrations if i.matches(presented)), None)

    def api_token_for(self, presented: str) -> ApiToken | None:
        return next((t for t in self.api_tokens if t.matches(presented)), None)
