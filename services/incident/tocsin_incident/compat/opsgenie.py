"""Opsgenie Alert API (create, close, acknowledge) mapped to raw alerts, with Opsgenie's answers.

The edge has no database, so the alert id it hands out is reversible: `tcs1.` + the base64url of
the alias. `identifierType=id` accepts only such ids (any other id gets a clear 422, since no
lookup table exists); `identifierType=tiny` is not supported (422).
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tocsin_shared.config.models import Integration
from tocsin_shared.contracts.alerts import AlertAction, RawAlertV1
from tocsin_shared.contracts.events import Severity

from .common import clipped, map_severity

ID_PREFIX = "tcs1."
ALIAS_MAX = 512
Short = Annotated[str, Field(max_length=1024)]

PRIORITY_SEVERITY = {
    "P1": Severity.CRITICAL,
    "P2": Severity.ERROR,
    "P3": Severity.WARNING,
    "P4": Severity.INFO,
    "P5": Severity.INFO,
}


class OgCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: Annotated[str, Field(min_length=1, max_length=64 * 1024)]
    alias: Annotated[str, Field(min_length=1, max_length=ALIAS_MAX)] | None = None
    description: Annotated[str, Field(max_length=64 * 1024)] = ""
    tags: list[Annotated[str, Field(max_length=1024)]] = Field(default_factory=list, max_length=100)
    details: dict[str, Any] = Field(default_factory=dict)
    entity: Short = ""
    source: Short = ""
    priority: Literal["P1", "P2", "P3", "P4", "P5"] = "P3"
    user: Short = ""
    note: Annotated[str, Field(max_length=64 * 1024)] = ""


class OgAction(BaseModel):
    """The body of close/acknowledge: everything optional."""

    model_config = ConfigDict(extra="ignore")

    user: Short = ""
    source: Short = ""
    note: Annotated[str, Field(max_length=64 * 1024)] = ""


class UnknownIdentifier(ValueError):
    pass


def alert_id_for(alias: str) -> str:
    return ID_PREFIX + base64.urlsafe_b64encode(alias.encode()).decode().rstrip("=")


def alias_for(identifier: str, identifier_type: str) -> str:
    """The alias (dedup key) an identifier names, or UnknownIdentifier with the reason."""
    if identifier_type == "alias":
        return _checked(identifier)
    if identifier_type == "tiny":
        raise UnknownIdentifier("identifierType=tiny is not supported; use alias or id")
    if identifier_type != "id":
        raise UnknownIdentifier("identifierType must be one of id, alias, tiny")
    if not identifier.startswith(ID_PREFIX):
        raise UnknownIdentifier(f"no alert with id {identifier!r} was created through this API")
    encoded = identifier.removeprefix(ID_PREFIX)
    try:
        alias = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise UnknownIdentifier(f"{identifier!r} is not a valid alert id") from exc
    if not alias:
        raise UnknownIdentifier(f"{identifier!r} is not a valid alert id")
    return _checked(alias)


def _checked(alias: str) -> str:
    if len(alias) > ALIAS_MAX:
        raise UnknownIdentifier(f"an alias is at most {ALIAS_MAX} characters")
    return alias


def genie_key(authorization: str) -> str | None:
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() == "geniekey" and credential.strip():
        return credential.strip()
    return None


def create_to_raw(create: OgCreate, *, integration: Integration, now: datetime) -> RawAlertV1:
    summary, truncated = clipped(create.message)
    details: dict[str, Any] = {"details": create.details}
    for name in ("description", "entity", "user", "note"):
        if value := getattr(create, name):
            details[name] = value
    if create.tags:
        details["tags"] = create.tags
    details["priority"] = create.priority
    return RawAlertV1(
        integration=integration.name,
        service=integration.service,
        action=AlertAction.TRIGGER,
        dedup_key=create.alias or uuid.uuid4().hex,
        summary=summary,
        summary_truncated=truncated,
        source=create.source,
        severity=map_severity(
            integration, create.priority, default=PRIORITY_SEVERITY[create.priority]
        ),
        labels={str(k): str(v)[:4096] for k, v in create.details.items()},
        details=details,
        received_at=now,
    )


def action_to_raw(
    body: OgAction, *, action: AlertAction, alias: str, integration: Integration, now: datetime
) -> RawAlertV1:
    details = {k: v for k, v in body.model_dump().items() if v}
    return RawAlertV1(
        integration=integration.name,
        service=integration.service,
        action=action,
        dedup_key=alias,
        source=body.source,
        details=details,
        received_at=now,
    )


def reply(started: float, **fields: Any) -> dict[str, Any]:
    return {
        **fields,
        "took": round(time.perf_counter() - started, 3),
        "requestId": str(uuid.uuid4()),
    }


def field_errors(exc: ValidationError) -> dict[str, str]:
    return {
        ".".join(str(p) for p in e["loc"]) or "body": e["msg"]
        for e in exc.errors(include_url=False, include_input=False)
    }
