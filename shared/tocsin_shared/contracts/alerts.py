"""The raw alert: what every ingest path turns an incoming alert into, on the raw topic.

A pipeline may also produce it straight to the raw topic as JSON, with or without CloudEvents
headers; the processor accepts both.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .events import Severity
from .topics import ALERTS_RAW, TopicSpec

SUMMARY_MAX = 1024


class AlertAction(StrEnum):
    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class RawAlertV1(BaseModel):
    """One alert, normalised by the edge. `integration` is the config name of its integration."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str] = "tocsin.alert.raw.v1"
    TOPIC: ClassVar[TopicSpec] = ALERTS_RAW

    alert_id: UUID = Field(default_factory=uuid4)
    integration: str = Field(min_length=1, max_length=200)
    service: str = Field(min_length=1, max_length=200)
    action: AlertAction = AlertAction.TRIGGER
    dedup_key: str = Field(min_length=1, max_length=512)
    summary: str = Field(default="", max_length=SUMMARY_MAX)
    summary_truncated: bool = False
    source: str = Field(default="", max_length=1024)
    severity: Severity = Severity.ERROR
    labels: dict[str, str] = Field(default_factory=dict)
    details: dict[str, object] = Field(default_factory=dict)
    received_at: datetime
    occurred_at: datetime | None = None

    def partition_key(self) -> str:
        return f"{self.service}\x1f{self.dedup_key}"

    @model_validator(mode="before")
    @classmethod
    def _without_nul(cls, data: Any) -> Any:
        # NUL is valid JSON but not Postgres text: an accepted alert carrying one would be
        # dead-lettered by the processor instead of opening its incident. Every path builds this
        # model (edge, compatible APIs, straight-to-Kafka producers), so it is scrubbed here.
        return _scrub(data)


def _scrub(node: Any) -> Any:
    if isinstance(node, str):
        return node.replace("\x00", "\ufffd")
    if isinstance(node, dict):
        return {_scrub(key): _scrub(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_scrub(value) for value in node]
    return node
