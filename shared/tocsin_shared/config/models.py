"""The frame of the Tocsin YAML. Each service reads the sections it owns."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, model_validator

from ..contracts.events import Priority, Severity

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
    # 4xx answers are final (dead-lettered) except 408/409/425/429 and these.
    retry_4xx: list[Annotated[int, Field(ge=400, le=499)]] = Field(default_factory=list)


class ChatChannel(Strict):
    """An incoming webhook of a chat tool: Slack (Block Kit), Microsoft Teams (Adaptive Card),
    Mattermost (Slack-compatible attachments) or Discord (embeds)."""

    name: Name
    type: Literal["slack", "teams", "mattermost", "discord"]
    url: Annotated[str, Field(pattern=r"^https?://")]
    timeout_s: float = Field(5.0, gt=0, le=60)
    retry_4xx: list[Annotated[int, Field(ge=400, le=499)]] = Field(default_factory=list)


class EmailChannel(Strict):
    """Email over SMTP. `security`: `starttls` (upgrade after connecting, usually port 587),
    `tls` (implicit TLS, usually 465) or `none` (a local relay). `to` is used when the
    contact method gives no address."""

    name: Name
    type: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    from_address: str
    to: list[str] = Field(default_factory=list)
    timeout_s: float = Field(10.0, gt=0, le=120)
    validate_certs: bool = True


AnyChannel = WebhookChannel | ChatChannel | EmailChannel
Channel = Annotated[AnyChannel, Field(discriminator="type")]


class Target(Strict):
    """Whom a level pages: a channel directly, a user (their contact methods), or a schedule
    (whoever is on call). Give exactly one."""

    channel: Name | None = None
    user: Name | None = None
    schedule: Name | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        if sum(x is not None for x in (self.channel, self.user, self.schedule)) != 1:
            raise ValueError("give exactly one of channel, user or schedule")
        return self

    @property
    def kind(self) -> str:
        return "channel" if self.channel else "user" if self.user else "schedule"

    @property
    def name(self) -> str:
        return self.channel or self.user or self.schedule or ""


class EscalationLevel(Strict):
    targets: list[Target] = Field(min_length=1)
    delay_minutes: float = Field(0, ge=0)
    # notify_all pages every target; round_robin pages one, the next one at the next incident.
    mode: Literal["notify_all", "round_robin"] = "notify_all"


class ContactMethod(Strict):
    """A way to reach a user: a configured channel, with the user's address on it if it needs
    one (an email address for an email channel)."""

    name: Name
    channel: Name
    address: str | None = None


class NotificationRule(Strict):
    """Use this contact method this long after the user is paged."""

    contact: Name
    delay_minutes: float = Field(0, ge=0, le=1440)


class User(Strict):
    name: Name
    full_name: str = ""
    contact_methods: list[ContactMethod] = Field(default_factory=list)
    # No rules: every contact method at once.
    notification_rules: list[NotificationRule] = Field(default_factory=list)


class SlaBreachAction(Strict):
    """What an SLA breach does to a paging incident: `escalate` jumps to the next level now;
    `notify` pages these targets as well (the escalation goes on as it was)."""

    action: Literal["escalate", "notify"] = "escalate"
    targets: list[Target] = Field(default_factory=list)

    @model_validator(mode="after")
    def _targets_to_notify(self) -> SlaBreachAction:
        if self.action == "notify" and not self.targets:
            raise ValueError("notify needs targets")
        return self


class EscalationPolicy(Strict):
    name: Name
    levels: list[EscalationLevel] = Field(min_length=1)
    repeat: int = Field(0, ge=0, le=20)
    # Low urgency: incidents of these severities page the first level and do not escalate.
    low_urgency: list[Severity] = Field(default_factory=list)
    on_sla_breach: SlaBreachAction | None = None


class Schedule(Strict):
    """An on-call schedule: layers of rotations (a later layer is higher and wins where it has
    someone), then overrides (a person for a time range) over everything."""

    name: Name
    time_zone: str = "UTC"
    layers: list[ScheduleLayer] = Field(default_factory=list)
    overrides: list[ScheduleOverride] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_zone(self) -> Schedule:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        return self


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK_TIME = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"


class WorkingHours(Strict):
    days: list[Weekday] = Field(min_length=1)
    start: Annotated[str, Field(pattern=_CLOCK_TIME)] = "00:00"
    end: Annotated[str, Field(pattern=_CLOCK_TIME)] = "24:00"

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class ScheduleLayer(Strict):
    """A rotation: members take turns, each for `shift_length` `shift_unit`s, from the handoff
    time (in the schedule's zone) on `start`. Day and week shifts hand off at that local time
    whatever DST does; hour shifts are elapsed hours. Restrictions limit the layer to windows
    (e.g. weekdays 09:00-17:00); outside them it has nobody and lower layers show through."""

    name: Name
    members: list[Name] = Field(min_length=1)
    shift_length: int = Field(1, ge=1, le=10_000)
    shift_unit: Literal["hours", "days", "weeks"] = "weeks"
    start: date
    handoff: Annotated[str, Field(pattern=_CLOCK_TIME)] = "09:00"
    restrictions: list[WorkingHours] = Field(default_factory=list)


class ScheduleOverride(Strict):
    user: Name
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleOverride:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class Calendar(Strict):
    """Business time for SLA clocks: weekly hours in an IANA zone, minus holidays. No `hours`
    means around the clock; the built-in calendar `24x7` needs no entry."""

    name: Name
    time_zone: str = "UTC"
    hours: list[WorkingHours] = Field(default_factory=list)
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    holidays: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_zone(self) -> Calendar:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        return self


# Incident event names as SLA conditions: the event type without `tocsin.incident.` and `.vN`.
EventName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class SlaPolicy(Strict):
    """An SLA target for matching incidents. `time_to_acknowledge` and `time_to_resolve` have
    default start/stop conditions; any other target must name its `stop_on` events. Conditions
    left out (None) take the defaults the SLA monitor documents."""

    name: Name
    target: Name
    minutes: float = Field(gt=0)
    services: list[Name] = Field(default_factory=list)
    severities: list[Severity] = Field(default_factory=list)
    priorities: list[Priority] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    calendar: Name = "24x7"
    warn_at_percent: list[float] = Field(default_factory=lambda: [50.0, 75.0, 90.0])
    start_on: list[EventName] | None = None
    pause_on: list[EventName] | None = None
    resume_on: list[EventName] | None = None
    stop_on: list[EventName] | None = None
    cancel_on: list[EventName] | None = None
    reset_on: list[EventName] | None = None

    @model_validator(mode="after")
    def _sane(self) -> SlaPolicy:
        if any(not 0 < p < 100 for p in self.warn_at_percent):
            raise ValueError("warn_at_percent values must be between 0 and 100")
        known = self.target in ("time_to_acknowledge", "time_to_resolve")
        if not known and not self.stop_on:
            raise ValueError(f"target {self.target!r} needs stop_on events")
        return self


class CorrelationRule(Strict):
    name: Name
    kind: Literal["recurrence"] = "recurrence"
    threshold: int = Field(3, ge=2)
    window_days: float = Field(30, gt=0)


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
