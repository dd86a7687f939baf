"""What `tocsin demo` takes from the running system's config (the same file `tocsin up` runs):
where each service listens, a token that may act, the demo service's Alertmanager key, the local
webhook its pages go to, and how long its escalation and SLA take. Every gap is a clear message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tocsin_shared.config.loader import ConfigError, load_config
from tocsin_shared.config.models import (
    EscalationPolicy,
    IntegrationKind,
    Role,
    Severity,
    SlaPolicy,
    TocsinConfig,
    WebhookChannel,
)
from tocsin_shared.contracts.topics import SLA_EVENTS

from .errors import CliError
from .services import SERVICES
from .settings import CliSettings

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_ACTING = (Role.RESPONDER, Role.ADMIN)
_HINT = "see the `shop` entries of deploy/tocsin.example.yaml"


@dataclass(frozen=True)
class Pager:
    """The webhook the demo service's pages go to; the demo listens on it."""

    channel: str
    url: str
    host: str
    port: int
    path: str
    secret: str


@dataclass(frozen=True)
class DemoPlan:
    service: str
    urls: dict[str, str]
    token: str
    alertmanager_key: str
    pager: Pager
    levels: tuple[str, ...]  # who each escalation level pages, for the story
    escalate_after_s: float
    sla: SlaPolicy | None
    kafka_bootstrap: str
    sla_topic: str

    @property
    def sla_s(self) -> float:
        return self.sla.minutes * 60 if self.sla else 0.0


def plan_from(settings: CliSettings, *, service: str) -> DemoPlan:
    try:
        config = load_config(settings.config)
    except ConfigError as exc:
        raise CliError(f"cannot use the config {settings.config}: {exc}", exit_code=2) from None
    found = config.service(service)
    policy = config.escalation_policy(found.escalation_policy or "") if found else None
    if found is None or policy is None:
        raise CliError(
            f"{settings.config} has no service {service!r} with an escalation policy; {_HINT}",
            exit_code=2,
        )
    bootstrap = settings.kafka_bootstrap_servers or f"127.0.0.1:{settings.kafka_port}"
    return DemoPlan(
        service=service,
        urls={s.name: f"http://127.0.0.1:{settings.port_of(s)}" for s in SERVICES},
        token=_token(settings, config),
        alertmanager_key=_alertmanager_key(config, service),
        pager=_pager(config, policy, service),
        levels=tuple(_describe(level.targets) for level in policy.levels),
        escalate_after_s=policy.levels[0].delay_minutes * 60,
        sla=_sla_policy(config, service),
        kafka_bootstrap=bootstrap,
        sla_topic=SLA_EVENTS.qualified(settings.topic_prefix),
    )


def _token(settings: CliSettings, config: TocsinConfig) -> str:
    if settings.api_token is not None:
        return settings.api_token.get_secret_value()
    for token in config.api_tokens:
        if token.role in _ACTING and token.token is not None:
            return token.token.get_secret_value()
    raise CliError(
        "no responder token: give one with --token or TOCSIN_API_TOKEN (the config keeps only"
        " hashes)",
        exit_code=2,
    )


def _alertmanager_key(config: TocsinConfig, service: str) -> str:
    for integration in config.integrations:
        alertmanager = integration.kind is IntegrationKind.ALERTMANAGER
        if alertmanager and integration.service == service and integration.key is not None:
            return integration.key.get_secret_value()
    raise CliError(
        f"no Alertmanager integration with a clear key for {service!r}; {_HINT}", exit_code=2
    )


def _channels_of(config: TocsinConfig, policy: EscalationPolicy) -> list[str]:
    names: list[str] = []
    for level in policy.levels:
        for target in level.targets:
            if target.channel:
                names.append(target.channel)
            user = config.user(target.user or "")
            names += [c.channel for c in user.contact_methods] if user else []
    return names


def _pager(config: TocsinConfig, policy: EscalationPolicy, service: str) -> Pager:
    for name in _channels_of(config, policy):
        channel = config.channel(name)
        if not isinstance(channel, WebhookChannel):
            continue
        url = urlsplit(channel.url)
        if url.hostname in _LOOPBACK:
            return Pager(
                channel=name,
                url=channel.url,
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 80),
                path=url.path or "/",
                secret=channel.secret.get_secret_value(),
            )
    raise CliError(
        f"{service!r} pages no webhook on this machine (127.0.0.1), so the demo cannot show its"
        f" pages; {_HINT}",
        exit_code=2,
    )


def _describe(targets: Sequence[object]) -> str:
    names = []
    for target in targets:
        for kind in ("user", "schedule", "channel"):
            if value := getattr(target, kind, None):
                names.append(value if kind == "user" else f"{kind} {value}")
    return ", ".join(names)


def _sla_policy(config: TocsinConfig, service: str) -> SlaPolicy | None:
    for policy in config.sla_policies:
        covers = not policy.services or service in policy.services
        critical = not policy.severities or Severity.CRITICAL in policy.severities
        plain = not policy.labels and not policy.priorities and policy.calendar == "24x7"
        if policy.target == "time_to_acknowledge" and covers and critical and plain:
            return policy
    return None
