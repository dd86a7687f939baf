"""SLA policies: which policy covers an incident, and what each incident event does to a clock.

Conditions are incident event names (the type without `tocsin.incident.` and `.vN`), so a new
lifecycle event needs only configuration. A merge is `merged` for the incident merged away and
`absorbed` for the one that survives, so cancelling on `merged` spares the survivor's clocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.events import IncidentEventData

_PREFIX = "tocsin.incident."

TTA = "time_to_acknowledge"
TTR = "time_to_resolve"


class Action(StrEnum):
    CANCEL = "cancel"
    RESET = "reset"
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"


# Checked in this order: the first condition an event meets decides what it does to the clock.
PRECEDENCE = (Action.CANCEL, Action.RESET, Action.STOP, Action.PAUSE, Action.RESUME)
DEFAULT_START = ("triggered",)
DEFAULTS: Mapping[Action, tuple[str, ...]] = {
    Action.PAUSE: ("snoozed",),
    Action.RESUME: ("retriggered", "unsnoozed"),
    Action.CANCEL: ("merged",),
    Action.RESET: ("reopened",),
}
DEFAULT_STOP: Mapping[str, tuple[str, ...]] = {
    TTA: ("acknowledged", "resolved"),
    TTR: ("resolved",),
}


def event_name(event: IncidentEventData) -> str:
    name = type(event).TYPE.removeprefix(_PREFIX)
    if name == "merged" and getattr(event, "target_incident_id", None) == event.incident_id:
        return "absorbed"
    return name


@dataclass(frozen=True)
class Conditions:
    start_on: frozenset[str]
    on: Mapping[Action, frozenset[str]]

    def action(self, name: str) -> Action | None:
        return next((a for a in PRECEDENCE if name in self.on[a]), None)


def conditions(policy: SlaPolicy) -> Conditions:
    given = {
        Action.PAUSE: policy.pause_on,
        Action.RESUME: policy.resume_on,
        Action.STOP: policy.stop_on,
        Action.CANCEL: policy.cancel_on,
        Action.RESET: policy.reset_on,
    }
    defaults = {**DEFAULTS, Action.STOP: DEFAULT_STOP.get(policy.target, ())}
    on = {
        action: frozenset(names if names is not None else defaults.get(action, ()))
        for action, names in given.items()
    }
    return Conditions(start_on=frozenset(policy.start_on or DEFAULT_START), on=on)


def _priority(event: IncidentEventData) -> str | None:
    priority = getattr(event, "priority", None)
    labels: Mapping[str, str] = getattr(event, "labels", {}) or {}
    value = priority if priority is not None else labels.get("priority")
    return None if value is None else str(value)


def matches(policy: SlaPolicy, event: IncidentEventData) -> bool:
    """Every criterion the policy names holds; a policy naming none is a catch-all."""
    labels: Mapping[str, str] = getattr(event, "labels", {}) or {}
    return (
        (not policy.services or event.service in policy.services)
        and (not policy.severities or event.severity in policy.severities)
        and (not policy.priorities or _priority(event) in policy.priorities)
        and all(labels.get(k) == v for k, v in policy.labels.items())
    )


def policies_starting(policies: Sequence[SlaPolicy], event: IncidentEventData) -> list[SlaPolicy]:
    """Per target, the first policy (in config order) this event starts and that matches."""
    name = event_name(event)
    chosen: dict[str, SlaPolicy] = {}
    for policy in policies:
        if policy.target in chosen or name not in conditions(policy).start_on:
            continue
        if matches(policy, event):
            chosen[policy.target] = policy
    return list(chosen.values())
