"""Notifier handlers: incident events start or stop paging; the delivery pass works the ledger."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from uuid import UUID

from tocsin_shared.clock import Clock
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.envelope import Envelope
from tocsin_shared.contracts.events import (
    EventData,
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentTriggeredV1,
    NotificationDeliveredV1,
    NotificationEventData,
    NotificationFailedV1,
    NotificationRequestedV1,
)

from .domain.ledger import Notification, RetryPolicy, Status
from .ports import Channel, DeliveryResult, Escalation, UnitOfWork

INCIDENT_CONSUMER = "incident-events"
UowFactory = Callable[[], UnitOfWork]


class UnknownNotification(Exception):
    pass


def page_payload(event: IncidentTriggeredV1, *, incident_url: str) -> dict[str, object]:
    return {
        "type": "incident.triggered",
        "incident": {
            "id": str(event.incident_id),
            "service": event.service,
            "summary": event.summary,
            "severity": event.severity.value,
            "status": event.status.value,
            "dedup_key": event.dedup_key,
            "triggered_at": event.triggered_at.isoformat(),
            "url": f"{incident_url.rstrip('/')}/v1/incidents/{event.incident_id}",
        },
    }


async def on_incident_event(
    envelope: Envelope,
    *,
    uow_factory: UowFactory,
    config: TocsinConfig,
    clock: Clock,
    incident_url: str,
) -> str:
    async with uow_factory() as uow:
        if not await uow.first_time(
            consumer=INCIDENT_CONSUMER, source=envelope.source, event_id=envelope.id
        ):
            return "duplicate"
        data = envelope.data
        if isinstance(data, IncidentTriggeredV1):
            outcome = await _start(
                data, uow=uow, config=config, now=clock.now(), incident_url=incident_url
            )
        elif isinstance(data, IncidentAcknowledgedV1 | IncidentResolvedV1):
            outcome = await _stop(data.incident_id, by=data.ce_type(), uow=uow)
        else:
            outcome = "ignored"
        await uow.commit()
        return outcome


async def _start(
    event: IncidentTriggeredV1,
    *,
    uow: UnitOfWork,
    config: TocsinConfig,
    now: datetime,
    incident_url: str,
) -> str:
    service = config.service(event.service)
    policy = (
        config.escalation_policy(service.escalation_policy)
        if service and service.escalation_policy
        else None
    )
    previous = await uow.escalations.get(event.incident_id)
    if previous is not None and previous.status == "active":
        return "already_paging"  # the same incident triggered again while paging: no second page
    cycle = previous.cycle + 1 if previous else 0
    if policy is None:
        await uow.escalations.put(
            Escalation(event.incident_id, event.service, None, 0, cycle, "stopped", "no-policy")
        )
        return "no_policy"
    await uow.escalations.put(
        Escalation(event.incident_id, event.service, policy.name, 0, cycle, "active")
    )
    payload = page_payload(event, incident_url=incident_url)
    for target in policy.levels[0].targets:
        notification = Notification.request(
            incident_id=event.incident_id,
            level=0,
            target=target.channel,
            channel=target.channel,
            cycle=cycle,
            payload=payload,
            at=now,
        )
        if await uow.notifications.add(notification):
            uow.emit(_event(NotificationRequestedV1, notification, now))
    return "paging"


async def _stop(incident_id: UUID, *, by: str, uow: UnitOfWork) -> str:
    escalation = await uow.escalations.get(incident_id)
    if escalation is None or escalation.status == "stopped":
        return "nothing_to_stop"
    escalation.status, escalation.stopped_by = "stopped", by
    await uow.escalations.put(escalation)
    for notification in await uow.notifications.pending_for_incident(incident_id):
        notification.cancel()
        await uow.notifications.save(notification)
    return "stopped"


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
) -> int:
    """Claim what is due, send each, record each outcome in its own transaction."""
    now = clock.now()
    async with uow_factory() as uow:
        claimed = await uow.notifications.claim_due(now=now, lease_until=now + lease, limit=limit)
        await uow.commit()

    async def send_and_record(notification: Notification) -> None:
        channel = channels.get(notification.channel)
        result = (
            await channel.send(notification)
            if channel
            else DeliveryResult(
                ok=False, error=f"unknown channel {notification.channel}", retryable=False
            )
        )
        await _record(
            notification, result, uow_factory=uow_factory, clock=clock, policy=policy, rng=rng
        )

    await asyncio.gather(*(send_and_record(n) for n in claimed))
    return len(claimed)


async def _record(
    n: Notification,
    result: DeliveryResult,
    *,
    uow_factory: UowFactory,
    clock: Clock,
    policy: RetryPolicy,
    rng: random.Random,
) -> None:
    now = clock.now()
    if result.ok:
        n.delivered(status_code=result.status_code or 0, at=now)
        event = _event(NotificationDeliveredV1, n, now, status_code=n.last_status_code)
    else:
        n.failed(
            error=result.error or "failed",
            status_code=result.status_code,
            retryable=result.retryable,
            policy=policy,
            at=now,
            rng=rng,
        )
        event = _event(
            NotificationFailedV1, n, now, error=n.last_error, will_retry=n.status is Status.PENDING
        )
    async with uow_factory() as uow:
        await uow.notifications.save(n)
        uow.emit(event)
        await uow.commit()


async def redrive(notification_id: UUID, *, uow_factory: UowFactory, clock: Clock) -> Notification:
    async with uow_factory() as uow:
        notification = await uow.notifications.get(notification_id, for_update=True)
        if notification is None:
            raise UnknownNotification(str(notification_id))
        notification.redrive(at=clock.now())
        await uow.notifications.save(notification)
        await uow.commit()
        return notification
