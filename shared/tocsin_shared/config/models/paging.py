"""Whom to page and when: escalation policies, users, on-call schedules."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator

from ...contracts.events import Severity
from ._base import _CLOCK_TIME, Name, Strict, WorkingHours, check_time_zone


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
        check_time_zone(self.time_zone)
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
