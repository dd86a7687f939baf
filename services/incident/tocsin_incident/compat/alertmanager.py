"""Prometheus Alertmanager webhook (webhook_configs, version 4) mapped to raw alerts.

Each alert carries its own status: a partial resolve arrives as top-level `firing` with one alert
`resolved`. With `dedup_by: fingerprint` (default) every alert is its own incident and resolves on
its own; with `dedup_by: group_key` the aggregation group is one incident, triggered while any of
its alerts fires and resolved only when the whole group is (top-level `resolved`), so a partial
resolve never closes the group's incident. The group's dedup key is the SHA-256 hex of `groupKey`,
the same key Alertmanager itself sends as PagerDuty `dedup_key` and Opsgenie `alias`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from tocsin_shared.config.models import Integration
from tocsin_shared.contracts.alerts import AlertAction, RawAlertV1
from tocsin_shared.contracts.events import Severity

from .common import clipped, map_severity, utc

Text = Annotated[str, Field(max_length=64 * 1024)]


class WebhookAlert(BaseModel):
    """One alert; field names are Alertmanager's own (camelCase)."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["firing", "resolved"] = "firing"
    labels: dict[str, Text] = Field(default_factory=dict)
    annotations: dict[str, Text] = Field(default_factory=dict)
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    generatorURL: Text = ""
    fingerprint: Annotated[str, Field(max_length=256)] = ""


class WebhookMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str = "4"
    status: Literal["firing", "resolved"] = "firing"
    receiver: Text = ""
    groupKey: Annotated[str, Field(max_length=16 * 1024)] = ""
    groupLabels: dict[str, Text] = Field(default_factory=dict)
    commonLabels: dict[str, Text] = Field(default_factory=dict)
    commonAnnotations: dict[str, Text] = Field(default_factory=dict)
    externalURL: Text = ""
    truncatedAlerts: int = 0
    alerts: list[WebhookAlert] = Field(default_factory=list, max_length=10_000)


def group_dedup_key(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()


def _summary(labels: dict[str, str], annotations: dict[str, str]) -> str:
    return (
        annotations.get("summary")
        or annotations.get("description")
        or labels.get("alertname")
        or "Alertmanager alert"
    )


def _alert_key(alert: WebhookAlert) -> str:
    if alert.fingerprint:
        return alert.fingerprint
    # An alert without a fingerprint (hand-made payloads) gets one from its label set.
    canonical = "\x1f".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _per_alert(
    message: WebhookMessage, alert: WebhookAlert, *, integration: Integration, now: datetime
) -> RawAlertV1:
    summary, truncated = clipped(_summary(alert.labels, alert.annotations))
    resolved = alert.status == "resolved"
    details: dict[str, Any] = {
        "annotations": alert.annotations,
        "generatorURL": alert.generatorURL,
        "fingerprint": alert.fingerprint,
        "groupKey": message.groupKey,
        "receiver": message.receiver,
        "externalURL": message.externalURL,
    }
    return RawAlertV1(
        integration=integration.name,
        service=integration.service,
        action=AlertAction.RESOLVE if resolved else AlertAction.TRIGGER,
        dedup_key=_alert_key(alert),
        summary=summary,
        summary_truncated=truncated,
        source=alert.generatorURL[:1024] or message.externalURL[:1024],
        severity=map_severity(integration, alert.labels.get("severity"), default=Severity.ERROR),
        labels=alert.labels,
        details=details,
        received_at=now,
        occurred_at=utc(alert.endsAt if resolved else alert.startsAt),
    )


def _per_group(message: WebhookMessage, *, integration: Integration, now: datetime) -> RawAlertV1:
    firing = [a for a in message.alerts if a.status == "firing"]
    # Top-level status covers every alert of the group, including any truncated from the list.
    resolved = message.status == "resolved"
    lead = (firing or message.alerts)[0]
    labels = message.commonLabels or lead.labels
    summary, truncated = clipped(_summary(labels, message.commonAnnotations or lead.annotations))
    details: dict[str, Any] = {
        "groupKey": message.groupKey,
        "groupLabels": message.groupLabels,
        "commonAnnotations": message.commonAnnotations,
        "fingerprints": {a.fingerprint: a.status for a in message.alerts},
        "generatorURLs": sorted({a.generatorURL for a in message.alerts if a.generatorURL}),
        "receiver": message.receiver,
        "externalURL": message.externalURL,
        "truncatedAlerts": message.truncatedAlerts,
    }
    starts = [t for a in message.alerts if (t := utc(a.startsAt)) is not None]
    ends = [t for a in message.alerts if (t := utc(a.endsAt)) is not None]
    return RawAlertV1(
        integration=integration.name,
        service=integration.service,
        action=AlertAction.RESOLVE if resolved else AlertAction.TRIGGER,
        dedup_key=group_dedup_key(message.groupKey),
        summary=summary,
        summary_truncated=truncated,
        source=message.externalURL[:1024],
        severity=map_severity(integration, labels.get("severity"), default=Severity.ERROR),
        labels=labels,
        details=details,
        received_at=now,
        occurred_at=max(ends) if resolved and ends else (min(starts) if starts else None),
    )


def to_raw_alerts(
    message: WebhookMessage, *, integration: Integration, now: datetime
) -> list[RawAlertV1]:
    if not message.alerts:
        return []
    if integration.dedup_by == "group_key":
        return [_per_group(message, integration=integration, now=now)]
    return [_per_alert(message, a, integration=integration, now=now) for a in message.alerts]
