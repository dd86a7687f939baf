"""What every event shares: severities, statuses, the actor, the EventData base."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from ..topics import TopicSpec


class Severity(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class IncidentStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["user", "integration", "system"]
    id: str


class EventData(BaseModel):
    """Base of every event payload. Subclasses name their type, version, topic and key."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[TopicSpec]

    @classmethod
    def ce_type(cls) -> str:
        return f"{cls.TYPE}.v{cls.VERSION}"

    def partition_key(self) -> str:
        raise NotImplementedError

    def subject(self) -> str | None:
        return None


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"
