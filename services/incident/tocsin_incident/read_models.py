"""The read side's shapes: the listing query, its opaque cursor, the response models, the port."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from tocsin_shared.contracts.events import IncidentStatus, Priority, Severity

_CURSOR_PREFIX = "seq:"


class InvalidCursor(ValueError):
    pass


class InvalidTime(ValueError):
    pass


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor stands for; anything this API did not hand out is InvalidCursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursor(cursor) from None
    digits = raw.removeprefix(_CURSOR_PREFIX)
    if raw == digits or not digits.isdigit() or len(digits) > 18:
        raise InvalidCursor(cursor)
    return int(digits)


def as_utc(value: datetime | None) -> datetime | None:
    """A filter bound in UTC; a naive time is taken as UTC, an unrepresentable one is invalid."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidTime(value.isoformat()) from None


def like_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, its own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class IncidentQuery:
    statuses: tuple[IncidentStatus, ...] = ()
    severities: tuple[Severity, ...] = ()
    service: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    limit: int = 50
    before_seq: int | None = None


class ProblemOut(BaseModel):
    """The problem an incident is linked to (the statement is unknown until a link names it)."""

    id: UUID
    number: int
    statement: str | None = None


class IncidentOut(BaseModel):
    # Columns added later by other features pass through rather than vanish from the API.
    model_config = ConfigDict(extra="allow")

    id: UUID
    service: str
    dedup_key: str
    summary: str
    severity: Severity
    source: str
    status: IncidentStatus
    labels: dict[str, Any]
    alert_count: int
    first_seen: datetime
    last_seen: datetime
    triggered_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    assignee: str | None = None
    priority: Priority | None = None
    snoozed_until: datetime | None = None
    last_alert_at: datetime | None = None
    merged_into: UUID | None = None
    problem: ProblemOut | None = None
    workaround: str | None = None


class IncidentPage(BaseModel):
    incidents: list[IncidentOut]
    next_cursor: str | None


class TimelineEntryOut(BaseModel):
    at: datetime
    kind: str
    actor_kind: str
    actor_id: str
    detail: dict[str, Any]


class AlertOut(BaseModel):
    alert_id: UUID
    integration: str
    action: str
    outcome: str
    dedup_key: str
    summary: str | None
    received_at: datetime


class IncidentDetail(IncidentOut):
    timeline: list[TimelineEntryOut]
    alerts: list[AlertOut]
    alerts_total: int


@dataclass(frozen=True)
class ListedIncident:
    seq: int
    incident: IncidentOut


def page_of(rows: list[ListedIncident], *, limit: int) -> IncidentPage:
    """A page from up to limit + 1 rows, newest first: the extra row only says there is more."""
    shown = rows[:limit]
    more = len(rows) > limit and shown
    return IncidentPage(
        incidents=[r.incident for r in shown],
        next_cursor=encode_cursor(shown[-1].seq) if more else None,
    )


class IncidentReader(Protocol):
    async def listing(self, query: IncidentQuery) -> list[ListedIncident]:
        """Up to query.limit + 1 incidents matching the query, newest first."""

    async def detail(self, incident_id: UUID, *, alerts_limit: int) -> IncidentDetail | None: ...
