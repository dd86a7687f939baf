"""Who a level pages: its targets resolved to (target, channel, address, delay) deliveries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from tocsin_shared.config.models import EscalationLevel, NotificationRule, Target, User


@dataclass(frozen=True)
class Delivery:
    target: str  # the ledger's target: a channel name, or `user/contact-method`
    channel: str
    user: str | None = None
    address: str | None = None
    delay: timedelta = timedelta(0)


OnCall = Callable[[str], list[str]]


def for_user(user: User) -> list[Delivery]:
    """A user's contact methods, each after its notification rule's delay (no rules: all now)."""
    methods = {m.name: m for m in user.contact_methods}
    rules = user.notification_rules or [
        NotificationRule(contact=m.name) for m in user.contact_methods
    ]
    return [
        Delivery(
            target=f"{user.name}/{rule.contact}",
            channel=methods[rule.contact].channel,
            user=user.name,
            address=methods[rule.contact].address,
            delay=timedelta(minutes=rule.delay_minutes),
        )
        for rule in rules
        if rule.contact in methods
    ]


def _resolve(target: Target, *, users: Mapping[str, User], on_call: OnCall) -> list[Delivery]:
    def people(names: list[str]) -> list[Delivery]:
        return [d for name in names if name in users for d in for_user(users[name])]

    by_kind: dict[str, Callable[[str], list[Delivery]]] = {
        "channel": lambda name: [Delivery(target=name, channel=name)],
        "user": lambda name: people([name]),
        "schedule": lambda name: people(on_call(name)),
    }
    return by_kind[target.kind](target.name)


def deliveries(
    level: EscalationLevel, *, users: Mapping[str, User], on_call: OnCall, turn: int = 0
) -> list[Delivery]:
    """Every target of a notify-all level; the `turn`-th (cyclically) of a round-robin one."""
    targets = level.targets
    if level.mode == "round_robin":
        targets = [targets[turn % len(targets)]]
    seen: set[tuple[str, str]] = set()
    out: list[Delivery] = []
    for target in targets:
        for d in _resolve(target, users=users, on_call=on_call):
            if (d.target, d.channel) not in seen:
                seen.add((d.target, d.channel))
                out.append(d)
    return out
