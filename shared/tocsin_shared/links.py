"""Signed one-click action links (acknowledge / resolve an incident from a page).

A token is `v1.<claims>.<mac>`: base64url JSON claims (incident, action, expiry, a unique id,
and the paged user when the page went to a person) and base64url HMAC-SHA256 of `v1.<claims>`
under a secret the notifier (signer) and the incident service (verifier) share.
The verifier also remembers used ids, so a second click can say the link was already used;
that memory is the incident service's, not this module's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID, uuid4

VERSION = "v1"
ACTION_PATH = "/v1/links/{token}"


class LinkAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class LinkError(Exception):
    """`reason` is `invalid` (forged, mangled, wrong secret) or `expired`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ActionClaim:
    incident_id: UUID
    action: LinkAction
    expires_at: datetime
    link_id: str
    user: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, signed: str) -> str:
    return _b64(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


def sign_action(
    secret: str,
    *,
    incident_id: UUID,
    action: LinkAction,
    expires_at: datetime,
    link_id: str | None = None,
    user: str | None = None,
) -> str:
    claims: dict[str, object] = {
        "i": str(incident_id),
        "a": action.value,
        "e": int(expires_at.timestamp()),
        "n": link_id or uuid4().hex,
    }
    if user:
        claims["u"] = user
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signed = f"{VERSION}.{body}"
    return f"{signed}.{_mac(secret, signed)}"


def verify_action(secret: str, token: str, *, now: datetime) -> ActionClaim:
    """The token's claims, if it is genuine and unexpired; LinkError otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise LinkError("invalid", "not a Tocsin action link")
    signed = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(secret, signed), parts[2]):
        raise LinkError("invalid", "this link is not valid")
    try:
        claims = json.loads(_unb64(parts[1]))
        claim = ActionClaim(
            incident_id=UUID(claims["i"]),
            action=LinkAction(claims["a"]),
            expires_at=datetime.fromtimestamp(int(claims["e"]), UTC),
            link_id=str(claims["n"]),
            user=_optional_text(claims.get("u")),
        )
    except (ValueError, KeyError, TypeError, OverflowError, OSError, binascii.Error) as exc:
        raise LinkError("invalid", "this link is not valid") from exc
    if now >= claim.expires_at:
        raise LinkError("expired", "this link has expired")
    return claim


def _optional_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError("claim must be text")


def action_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + ACTION_PATH.format(token=token)
