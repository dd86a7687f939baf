"""The native ingest format, translated to raw alerts. Validation only: no database here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator
from tocsin_shared.config.models import Integration
from tocsin_shared.contracts.alerts import SUMMARY_MAX, AlertAction, RawAlertV1
from tocsin_shared.contracts.events import Severity
from tocsin_shared.messaging.producer import OutgoingRecord

MAX_BATCH = 1000


class NativeAlert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: AlertAction = AlertAction.TRIGGER
    dedup_key: Annotated[str, Field(min_length=1, max_length=512)] | None = None
    summary: str = Field(default="", max_length=64 * 1024)
    source: str = Field(default="", max_length=1024)
    severity: Severity = Severity.ERROR
    labels: dict[str, Annotated[str, Field(max_length=4096)]] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    links: list[Annotated[str, Field(max_length=2048)]] = Field(default_factory=list, max_length=20)
    timestamp: datetime | None = None

    @model_validator(mode="after")
    def _key_needed_for_follow_up(self) -> NativeAlert:
        if self.action is not AlertAction.TRIGGER and self.dedup_key is None:
            raise ValueError(f"dedup_key is required to {self.action.value}")
        return self


class NativeBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alerts: list[NativeAlert] = Field(min_length=1, max_length=MAX_BATCH)


def to_raw(alert: NativeAlert, *, integration: Integration, now: datetime) -> RawAlertV1:
    summary = alert.summary
    truncated = len(summary) > SUMMARY_MAX
    details = dict(alert.details)
    if alert.links:
        details["links"] = list(alert.links)
    return RawAlertV1(
        integration=integration.name,
        service=integration.service,
        action=alert.action,
        dedup_key=alert.dedup_key or str(uuid4()),
        summary=summary[:SUMMARY_MAX],
        summary_truncated=truncated,
        source=alert.source,
        severity=alert.severity,
        labels=alert.labels,
        details=details,
        received_at=now,
        occurred_at=alert.timestamp.astimezone(UTC) if alert.timestamp else None,
    )


def to_record(alert: RawAlertV1, *, topic: str) -> OutgoingRecord:
    return OutgoingRecord(
        topic=topic,
        key=alert.partition_key().encode(),
        value=alert.model_dump_json().encode(),
        headers={
            "ce_specversion": b"1.0",
            "ce_id": str(alert.alert_id).encode(),
            "ce_source": f"/tocsin/ingest/{alert.integration}".encode(),
            "ce_type": RawAlertV1.TYPE.encode(),
            "content-type": b"application/json",
        },
    )
