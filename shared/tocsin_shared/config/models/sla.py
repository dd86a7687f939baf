"""SLA policies and their business calendars."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from ...contracts.events import Priority, Severity
from ._base import EventName, Name, Strict, WorkingHours, check_time_zone


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
        check_time_zone(self.time_zone)
        return self


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
