"""Signed acknowledge / resolve links for a page, made at send time (the ledger keeps no token)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from tocsin_shared.links import LinkAction, action_url, sign_action


class ActionLinks:
    def __init__(self, *, secret: str | None, base_url: str, ttl: timedelta) -> None:
        self._secret = secret
        self._base_url = base_url
        self._ttl = ttl

    def for_incident(self, incident_id: UUID, *, now: datetime) -> dict[str, str]:
        """No secret configured: no links (a page without them still pages)."""
        if not self._secret:
            return {}
        return {
            action.value: action_url(
                self._base_url,
                sign_action(
                    self._secret, incident_id=incident_id, action=action, expires_at=now + self._ttl
                ),
            )
            for action in LinkAction
        }


NO_LINKS = ActionLinks(secret=None, base_url="", ttl=timedelta(0))
