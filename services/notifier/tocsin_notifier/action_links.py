"""Signed acknowledge / resolve links for a page, made at send time (the ledger keeps no token)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from tocsin_shared.links import LinkAction, action_url, sign_action

from .domain.ledger import Notification


class ActionLinks:
    def __init__(self, *, secret: str | None, base_url: str, ttl: timedelta) -> None:
        self._secret = secret
        self._base_url = base_url
        self._ttl = ttl

    def for_page(self, notification: Notification, *, now: datetime) -> dict[str, str]:
        """Links for one page; a page to a person names them, so a click acts as them."""
        recipient = notification.payload.get("recipient")
        user = recipient.get("user") if isinstance(recipient, dict) else None
        return self.for_incident(
            notification.incident_id, now=now, user=user if isinstance(user, str) else None
        )

    def for_incident(
        self, incident_id: UUID, *, now: datetime, user: str | None = None
    ) -> dict[str, str]:
        """No secret configured: no links (a page without them still pages)."""
        if not self._secret:
            return {}
        return {
            action.value: action_url(
                self._base_url,
                sign_action(
                    self._secret,
                    incident_id=incident_id,
                    action=action,
                    expires_at=now + self._ttl,
                    user=user,
                ),
            )
            for action in LinkAction
        }


NO_LINKS = ActionLinks(secret=None, base_url="", ttl=timedelta(0))
