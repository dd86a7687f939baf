"""Checks across sections (names that must exist, names that must be unique)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import holidays

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
        "heartbeats",
        "calendars",
    ):
        problems += _duplicates(section, (item.name for item in getattr(config, section)))
    services = {s.name for s in config.services}
    policies = {p.name for p in config.escalation_policies}
    channels = {c.name for c in config.channels}
    users = {u.name for u in config.users}
    schedules = {s.name for s in config.schedules}
    problems += _user_problems(config, channels)
    problems += _schedule_problems(config, users)
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
        breach = policy.on_sla_breach.targets if policy.on_sla_breach else []
        for t, target in enumerate(breach):
            known = {"channel": channels, "user": users, "schedule": schedules}[target.kind]
            if target.name not in known:
                where: Path = ("escalation_policies", p, "on_sla_breach", "targets", t, target.kind)
                problems.append((where, f"unknown {target.kind} {target.name!r}"))
        for lv, level in enumerate(policy.levels):
            for t, target in enumerate(level.targets):
                known = {"channel": channels, "user": users, "schedule": schedules}[target.kind]
                if target.name not in known:
                    path: Path = ("escalation_policies", p, "levels", lv, "targets", t, target.kind)
                    problems.append((path, f"unknown {target.kind} {target.name!r}"))
    for i, sla in enumerate(config.sla_policies):
        for j, name in enumerate(sla.services):
            if name not in services:
                problems.append((("sla_policies", i, "services", j), f"unknown service {name!r}"))
    problems += _calendar_problems(config)
    problems += _correlation_problems(config, services)
    integrations = {i.name for i in config.integrations}
    for i, heartbeat in enumerate(config.heartbeats):
        if heartbeat.service not in services:
            problems.append(
                (("heartbeats", i, "service"), f"unknown service {heartbeat.service!r}")
            )
        if heartbeat.integration is not None and heartbeat.integration not in integrations:
            problems.append(
                (("heartbeats", i, "integration"), f"unknown integration {heartbeat.integration!r}")
            )
    return problems


def _correlation_problems(config: TocsinConfig, services: set[str]) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    for i, service in enumerate(config.services):
        for j, name in enumerate(service.depends_on):
            if name not in services:
                problems.append((("services", i, "depends_on", j), f"unknown service {name!r}"))
    for i, rule in enumerate(config.correlation_rules):
        for j, name in enumerate(rule.services):
            if name not in services:
                where: Path = ("correlation_rules", i, "services", j)
                problems.append((where, f"unknown service {name!r}"))
    return problems


def _calendar_problems(config: TocsinConfig) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    calendars = {c.name for c in config.calendars} | {"24x7"}
    for i, sla in enumerate(config.sla_policies):
        if sla.calendar not in calendars:
            problems.append((("sla_policies", i, "calendar"), f"unknown calendar {sla.calendar!r}"))
    countries = holidays.list_supported_countries()
    for i, calendar in enumerate(config.calendars):
        country = calendar.holidays_country
        if country is None:
            continue
        if country not in countries:
            problems.append((("calendars", i, "holidays_country"), f"unknown country {country!r}"))
        elif calendar.holidays_subdivision not in (None, *countries[country]):
            problems.append(
                (
                    ("calendars", i, "holidays_subdivision"),
                    f"unknown subdivision {calendar.holidays_subdivision!r} of {country!r}",
                )
            )
    return problems


def _user_problems(config: TocsinConfig, channels: set[str]) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = list(_duplicates("users", (u.name for u in config.users)))
    for i, user in enumerate(config.users):
        methods = {m.name for m in user.contact_methods}
        for j, method in enumerate(user.contact_methods):
            if method.channel not in channels:
                path: Path = ("users", i, "contact_methods", j, "channel")
                problems.append((path, f"unknown channel {method.channel!r}"))
        for j, rule in enumerate(user.notification_rules):
            if rule.contact not in methods:
                path = ("users", i, "notification_rules", j, "contact")
                problems.append((path, f"unknown contact method {rule.contact!r}"))
    return problems


def _schedule_problems(config: TocsinConfig, users: set[str]) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    for i, schedule in enumerate(config.schedules):
        for lv, layer in enumerate(schedule.layers):
            for m, member in enumerate(layer.members):
                if member not in users:
                    path: Path = ("schedules", i, "layers", lv, "members", m)
                    problems.append((path, f"unknown user {member!r}"))
        for o, override in enumerate(schedule.overrides):
            if override.user not in users:
                path = ("schedules", i, "overrides", o, "user")
                problems.append((path, f"unknown user {override.user!r}"))
    return problems
