"""Checks across sections (names that must exist, names that must be unique)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .models import TocsinConfig

Path = tuple[str | int, ...]


def _duplicates(section: str, names: Iterable[str]) -> Iterator[tuple[Path, str]]:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            yield (section, index, "name"), f"duplicate name {name!r}"
        seen.add(name)


def reference_problems(config: TocsinConfig) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    for section in (
        "services",
        "integrations",
        "api_tokens",
        "escalation_policies",
        "schedules",
        "channels",
        "sla_policies",
        "correlation_rules",
    ):
        problems += _duplicates(section, (item.name for item in getattr(config, section)))
    services = {s.name for s in config.services}
    policies = {p.name for p in config.escalation_policies}
    channels = {c.name for c in config.channels}
    for i, integration in enumerate(config.integrations):
        if integration.service not in services:
            problems.append(
                (("integrations", i, "service"), f"unknown service {integration.service!r}")
            )
    for i, service in enumerate(config.services):
        if service.escalation_policy and service.escalation_policy not in policies:
            problems.append(
                (
                    ("services", i, "escalation_policy"),
                    f"unknown policy {service.escalation_policy!r}",
                )
            )
    for p, policy in enumerate(config.escalation_policies):
        for lv, level in enumerate(policy.levels):
            for t, target in enumerate(level.targets):
                if target.channel not in channels:
                    path: Path = ("escalation_policies", p, "levels", lv, "targets", t, "channel")
                    problems.append((path, f"unknown channel {target.channel!r}"))
    for i, sla in enumerate(config.sla_policies):
        for j, name in enumerate(sla.services):
            if name not in services:
                problems.append((("sla_policies", i, "services", j), f"unknown service {name!r}"))
    return problems
