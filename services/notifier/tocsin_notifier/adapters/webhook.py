"""Generic webhook channel: signed JSON, idempotency key header, per-channel timeout."""

from __future__ import annotations

import json

import httpx
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import WebhookChannel
from tocsin_shared.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from ..domain.ledger import Notification
from ..ports import DeliveryResult

_RETRYABLE_4XX = {408, 409, 425, 429}


class WebhookSender:
    def __init__(self, channel: WebhookChannel, *, client: httpx.AsyncClient, clock: Clock) -> None:
        self._channel = channel
        self._client = client
        self._clock = clock

    async def send(self, notification: Notification) -> DeliveryResult:
        body = json.dumps(
            {
                **notification.payload,
                "notification_id": str(notification.id),
                "idempotency_key": notification.idempotency_key,
                "channel": notification.channel,
                "attempt": notification.attempts,
            },
            separators=(",", ":"),
        ).encode()
        timestamp = int(self._clock.now().timestamp())
        secret = self._channel.secret.get_secret_value()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Tocsin-Notifier/0.1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp=timestamp, body=body),
            IDEMPOTENCY_HEADER: notification.idempotency_key,
        }
        try:
            response = await self._client.post(
                self._channel.url, content=body, headers=headers, timeout=self._channel.timeout_s
            )
        except httpx.HTTPError as exc:
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}", retryable=True)
        code = response.status_code
        if 200 <= code < 300:
            return DeliveryResult(ok=True, status_code=code)
        retryable = code >= 500 or code in _RETRYABLE_4XX
        return DeliveryResult(ok=False, status_code=code, error=f"HTTP {code}", retryable=retryable)
