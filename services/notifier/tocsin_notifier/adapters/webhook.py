"""Generic webhook channel: signed JSON, idempotency key header, per-channel timeout."""

from __future__ import annotations

import json
from collections.abc import Collection

import httpx
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import WebhookChannel
from tocsin_shared.observability.propagation import carrier
from tocsin_shared.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from ..action_links import NO_LINKS, ActionLinks
from ..domain.ledger import Notification
from ..ports import DeliveryResult

_RETRYABLE_4XX = {408, 409, 425, 429}


def http_result(code: int, *, retry_4xx: Collection[int] = ()) -> DeliveryResult:
    """2xx delivered; 5xx and the 4xx that mean "later" (or the channel says to retry) are
    retried; any other 4xx is final."""
    if 200 <= code < 300:
        return DeliveryResult(ok=True, status_code=code)
    retryable = code >= 500 or code in _RETRYABLE_4XX or code in retry_4xx
    return DeliveryResult(ok=False, status_code=code, error=f"HTTP {code}", retryable=retryable)


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    retry_4xx: Collection[int] = (),
) -> DeliveryResult:
    # The receiver may continue the trace: the request carries the delivery span's context.
    headers = {**headers, **carrier()}
    try:
        response = await client.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}", retryable=True)
    return http_result(response.status_code, retry_4xx=retry_4xx)


class WebhookSender:
    def __init__(
        self,
        channel: WebhookChannel,
        *,
        client: httpx.AsyncClient,
        clock: Clock,
        links: ActionLinks = NO_LINKS,
    ) -> None:
        self._channel = channel
        self._client = client
        self._clock = clock
        self._links = links

    async def send(self, notification: Notification) -> DeliveryResult:
        now = self._clock.now()
        body = json.dumps(
            {
                **notification.payload,
                "notification_id": str(notification.id),
                "idempotency_key": notification.idempotency_key,
                "channel": notification.channel,
                "attempt": notification.attempts,
                "links": self._links.for_page(notification, now=now),
            },
            separators=(",", ":"),
        ).encode()
        timestamp = int(now.timestamp())
        secret = self._channel.secret.get_secret_value()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Tocsin-Notifier/0.1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp=timestamp, body=body),
            IDEMPOTENCY_HEADER: notification.idempotency_key,
        }
        return await post_json(
            self._client,
            self._channel.url,
            body=body,
            headers=headers,
            timeout_s=self._channel.timeout_s,
            retry_4xx=self._channel.retry_4xx,
        )
