"""Per-contact rate limits: a storm does not send a person a thousand messages.

A person's contact (a user's contact method) gets at most `limit` messages per `window`. Due
pages that fit are sent one by one; when they do not fit but the contact has room left, they go
as one bundled message; when it has no room, they wait until the window lets one through (and
then go as a bundle). Pages to plain channels (a team's webhook, a chat room) are not limited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid5

from .ledger import Notification

_SEVERITY_ORDER = ("critical", "error", "warning", "info")


@dataclass(frozen=True)
class RateLimit:
    limit: int = 0  # 0: no limit
    window: timedelta = timedelta(minutes=5)


@dataclass
class Plan:
    sends: list[list[Notification]] = field(default_factory=list)  # one message each
    deferred: list[tuple[Notification, datetime]] = field(default_factory=list)


def contact_of(n: Notification) -> str | None:
    """The person's contact a page goes to, or None for a plain channel."""
    recipient = n.payload.get("recipient")
    if isinstance(recipient, dict) and recipient.get("user"):
        return f"{n.target}|{n.channel}"
    return None


def plan(
    claimed: Sequence[Notification],
    *,
    recent: Mapping[str, Sequence[datetime]],
    rate: RateLimit,
    now: datetime,
) -> Plan:
    """`recent`: when each contact was last sent messages (those within the window count)."""
    result = Plan()
    groups: dict[str, list[Notification]] = {}
    for n in claimed:
        contact = contact_of(n) if rate.limit > 0 else None
        if contact is None:
            result.sends.append([n])
        else:
            groups.setdefault(contact, []).append(n)
    for contact, pages in groups.items():
        sent = sorted(t for t in recent.get(contact, ()) if t > now - rate.window)
        room = rate.limit - len(sent)
        if len(pages) <= room:
            result.sends += [[n] for n in pages]
        elif room > 0:
            result.sends.append(pages)
        else:
            reopens = sent[len(sent) - rate.limit] + rate.window  # when the oldest counted expires
            result.deferred += [(n, reopens) for n in pages]
    return result


def _incident(page: Notification) -> dict[str, Any]:
    found = page.payload.get("incident")
    return dict(found) if isinstance(found, dict) else {}


def bundle(pages: Sequence[Notification]) -> Notification:
    """One message standing for several pages to one contact: its key is derived from theirs,
    so the same set re-sent after a crash carries the same key."""
    pages = sorted(pages, key=lambda p: p.idempotency_key)
    first = pages[0]
    keys = [p.idempotency_key for p in pages]
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]
    incidents: list[dict[str, Any]] = [_incident(p) for p in pages]
    severities = [str(i.get("severity", "info")) for i in incidents]
    worst = min(
        severities,
        key=lambda s: _SEVERITY_ORDER.index(s) if s in _SEVERITY_ORDER else len(_SEVERITY_ORDER),
    )
    services = sorted({str(i.get("service", "")) for i in incidents})
    summary = f"{len(pages)} pages: " + "; ".join(str(i.get("summary", "")) for i in incidents)
    payload: dict[str, object] = {
        "type": "incident.bundle",
        "incident": {
            "summary": summary[:500],
            "severity": worst,
            "service": ", ".join(services),
            "status": "triggered",
            "url": incidents[0].get("url", ""),
        },
        "incidents": incidents,
        "bundled": keys,
        "recipient": first.payload.get("recipient"),
    }
    return Notification(
        id=uuid5(first.id, digest),
        idempotency_key=f"bundle:{digest}",
        incident_id=first.incident_id,
        channel=first.channel,
        target=first.target,
        level=first.level,
        payload=payload,
        attempts=max(p.attempts for p in pages),
    )
