"""The delivery pass: claim what is due, honour per-contact rate limits (bundling), send, and
record each outcome in its own transaction."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

import structlog
from opentelemetry.trace import StatusCode
from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import (
    EventData,
    NotificationDeadLetteredV1,
    NotificationDeliveredV1,
    NotificationEventData,
    NotificationFailedV1,
)

from .domain.bundling import RateLimit, bundle, contact_of, plan
from .domain.ledger import Notification, RetryPolicy, Status
from .metrics import count_outcomes, delivery_span
from .ports import Channel, DeliveryResult, UnitOfWork

log = structlog.get_logger(__name__)

UowFactory = Callable[[], UnitOfWork]
NO_LIMIT = RateLimit()


def _event(
    kind: type[NotificationEventData], n: Notification, now: datetime, **extra: object
) -> EventData:
    return kind(
        notification_id=n.id,
        incident_id=n.incident_id,
        idempotency_key=n.idempotency_key,
        channel=n.channel,
        target=n.target,
        attempt=n.attempts,
        occurred_at=now,
        **extra,
    )


async def deliver_due(
    *,
    uow_factory: UowFactory,
    channels: Mapping[str, Channel],
    clock: Clock,
    policy: RetryPolicy,
    rng: random.Random,
    limit: int = 50,
    lease: timedelta = timedelta(seconds=60),
    rate: RateLimit = NO_LIMIT,
) -> int:
    """Claim what is due (and sends whose lease ran out), then send; returns how many claimed."""
    now = clock.now()
    async with uow_factory() as uow:
        claimed = await uow.notifications.claim_due(now=now, lease_until=now + lease, limit=limit)
        contacts = sorted({c for n in claimed if (c := contact_of(n))}) if rate.limit else []
        recent = (
            await uow.contact_sends.recent(contacts, since=now - rate.window) if contacts else {}
        )
        work = plan(claimed, recent=recent, rate=rate, now=now)
        for notification, until in work.deferred:
            notification.defer(until=until)
            await uow.notifications.save(notification)
        await uow.commit()

    async def send_and_record(pages: list[Notification]) -> None:
        message = pages[0] if len(pages) == 1 else bundle(pages)
        channel = channels.get(message.channel)
        with delivery_span(message, pages) as span:
            result = (
                await channel.send(message)
                if channel
                else DeliveryResult(
                    ok=False, error=f"unknown channel {message.channel}", retryable=False
                )
            )
            span.set_attribute("tocsin.notification.delivered", result.ok)
            if result.status_code is not None:
                span.set_attribute("http.response.status_code", result.status_code)
            if not result.ok:
                span.set_status(StatusCode.ERROR, result.error)
            log.info(
                "delivery attempt",
                notification=str(message.id),
                channel=message.channel,
                attempt=message.attempts,
                delivered=result.ok,
                status_code=result.status_code,
            )
        contact = contact_of(message) if rate.limit else None
        await _record(
            pages,
            result,
            contact=contact,
            uow_factory=uow_factory,
            clock=clock,
            policy=policy,
            rng=rng,
        )

    await asyncio.gather(*(send_and_record(pages) for pages in work.sends))
    return len(claimed)


def _outcome(
    n: Notification,
    result: DeliveryResult,
    *,
    policy: RetryPolicy,
    now: datetime,
    rng: random.Random,
) -> list[EventData]:
    if result.ok:
        n.delivered(status_code=result.status_code or 0, at=now)
        return [_event(NotificationDeliveredV1, n, now, status_code=n.last_status_code)]
    n.failed(
        error=result.error or "failed",
        status_code=result.status_code,
        retryable=result.retryable,
        policy=policy,
        at=now,
        rng=rng,
    )
    retrying = n.status is Status.PENDING
    events = [_event(NotificationFailedV1, n, now, error=n.last_error, will_retry=retrying)]
    if n.status is Status.DEAD:
        dead = _event(
            NotificationDeadLetteredV1, n, now, error=n.last_error, status_code=n.last_status_code
        )
        events.append(dead)
    return events


async def _record(
    pages: Sequence[Notification],
    result: DeliveryResult,
    *,
    contact: str | None,
    uow_factory: UowFactory,
    clock: Clock,
    policy: RetryPolicy,
    rng: random.Random,
) -> None:
    now = clock.now()
    async with uow_factory() as uow:
        for n in pages:
            for event in _outcome(n, result, policy=policy, now=now, rng=rng):
                uow.emit(event)
            await uow.notifications.save(n)
        if contact is not None:
            await uow.contact_sends.record(contact, at=now)
        await uow.commit()
    count_outcomes(pages, now=now)
