"""Chat incoming webhooks: Slack, Microsoft Teams, Mattermost, Discord."""

from __future__ import annotations

import json

import httpx
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ChatChannel
from tocsin_shared.signing import IDEMPOTENCY_HEADER

from ..action_links import NO_LINKS, ActionLinks
from ..domain.ledger import Notification
from ..domain.messages import CHAT, Page
from ..ports import DeliveryResult
from .webhook import post_json


class ChatSender:
    def __init__(
        self,
        channel: ChatChannel,
        *,
        client: httpx.AsyncClient,
        clock: Clock,
        links: ActionLinks = NO_LINKS,
    ) -> None:
        self._channel = channel
        self._client = client
        self._clock = clock
        self._links = links
        self._render = CHAT[channel.type]

    async def send(self, notification: Notification) -> DeliveryResult:
        links = self._links.for_page(notification, now=self._clock.now())
        message = self._render(Page.of(notification.payload, links))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Tocsin-Notifier/0.1",
            IDEMPOTENCY_HEADER: notification.idempotency_key,
        }
        return await post_json(
            self._client,
            self._channel.url,
            body=json.dumps(message, separators=(",", ":")).encode(),
            headers=headers,
            timeout_s=self._channel.timeout_s,
            retry_4xx=self._channel.retry_4xx,
        )
