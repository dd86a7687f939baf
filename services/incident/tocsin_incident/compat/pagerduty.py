"""PagerDuty Events API v2 (alert events) mapped to raw alerts, with PagerDuty's answers.

Validation follows PagerDuty's documented rules: `routing_key` and `event_action` always; on
trigger a `payload` with `summary`, `source` and `severity` (critical|error|warning|info); on
acknowledge/resolve a `dedup_key`. Errors are listed PagerDuty-style, one string each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from tocsin_shared.config.models import Integration
from tocsin_shared.contracts.alerts import AlertAction, RawAlertV1
from tocsin_shared.contracts.events import Severity

from .common import clipped, map_severity, utc

Text = Annotated[str, Field(max_length=64 * 1024)]
Short = Annotated[str, Field(max_length=1024)]


class PdPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    summary: Text
    source: Short
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: datetime | None = None
    component: Short | None = None
    group: Short | None = None
    class_: Short | None = Field(default=None, alias="class")
    custom_details: Any = None


class PdEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    routing_key: Annotated[str, Field(min_length=1, max_length=512)]
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    payload: PdPayload | None = None
    client: Short | None = None
    client_url: Short | None = None
    links: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    images: list[dict[str, Any]] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _what_each_action_needs(self) -> PdEvent:
        if self.event_action == "trigger" and self.payload is None:
            raise ValueError("'payload' is missing or blank")
        if self.event_action != "trigger" and self.dedup_key is None:
            raise ValueError("'dedup_key' is missing or blank")
        return self


def routing_key_of(body: object) -> str | None:
    key = body.get("routing_key") if isinstance(body, dict) else None
    return key if isinstance(key, str) and key else None


def event_errors(exc: ValidationError) -> list[str]:
    errors = []
    for e in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "missing":
            errors.append(f"'{where}' is missing or blank")
        else:
            errors.append(f"'{where}' {msg}" if where else msg)
    return errors


def to_raw(event: PdEvent, *, integration: Integration, now: datetime) -> RawAlertV1:
    action = AlertAction(event.event_action)
    dedup_key = event.dedup_key or uuid4().hex
    details: dict[str, Any] = {}
    p = event.payload
    if p is not None:
        details.update(
            {
                k: v
                for k, v in {
                    "component": p.component,
                    "group": p.group,
                    "class": p.class_,
                    "custom_details": p.custom_details,
                }.items()
                if v is not None
            }
        )
    for name, value in (("client", event.client), ("client_url", event.client_url)):
        if value is not None:
            details[name] = value
    if event.links:
        details["links"] = event.links
    if event.images:
        details["images"] = event.images
    summary, truncated = clipped(p.summary if p else "")
    return RawAlertV1(
        integration=integration.name,
        service=integration.service,
        action=action,
        dedup_key=dedup_key,
        summary=summary,
        summary_truncated=truncated,
        source=p.source if p else "",
        severity=map_severity(integration, p.severity if p else None, default=Severity.ERROR),
        labels={},
        details=details,
        received_at=now,
        occurred_at=utc(p.timestamp if p else None),
    )


def accepted(dedup_key: str) -> dict[str, str]:
    return {"status": "success", "message": "Event processed", "dedup_key": dedup_key}


def invalid(errors: list[str]) -> dict[str, Any]:
    return {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
