"""Who may send and who may act: services, integrations (ingest keys), API tokens, heartbeats."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from ...contracts.events import Severity
from ._base import _SHA256, HashedSecret, Name, Strict, sha256_hex


class Service(Strict):
    name: Name
    description: str = ""
    escalation_policy: Name | None = None
    # Services this one calls: problem correlation compares incidents across these edges.
    depends_on: list[Name] = Field(default_factory=list)
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


class Heartbeat(Strict):
    """A dead man's switch: a ping is expected within the interval, else an incident opens."""

    name: Name
    service: Name
    interval_seconds: float | None = Field(None, gt=0)
    interval_minutes: float | None = Field(None, gt=0)
    integration: Name | None = None
    match: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_interval(self) -> Heartbeat:
        if (self.interval_seconds is None) == (self.interval_minutes is None):
            raise ValueError("give exactly one of interval_seconds or interval_minutes")
        return self

    def interval(self) -> timedelta:
        if self.interval_seconds is not None:
            return timedelta(seconds=self.interval_seconds)
        return timedelta(minutes=self.interval_minutes or 0)
