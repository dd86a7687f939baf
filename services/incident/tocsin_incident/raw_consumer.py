"""Kafka entry point for raw alerts: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from pydantic import ValidationError
from tocsin_shared.clock import Clock
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.messaging.inbound import InboundMessage, PoisonMessage
from tocsin_shared.messaging.reliable import BatchHandler, Handler
from tocsin_shared.observability.propagation import consuming

from .handlers.alerts import RAW_CONSUMER, Screen, process_raw_alert, process_raw_alerts
from .metrics import count_outcomes
from .ports import UnitOfWork


def decode(message: InboundMessage) -> tuple[RawAlertV1, str]:
    """The alert and its delivery identity.

    The identity is the alert id the edge assigned; an alert produced straight to the topic
    without one gets a stable id derived from where it sits in the log and when it was written.
    """
    try:
        body = json.loads(message.value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage(f"raw alert is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise PoisonMessage("raw alert must be a JSON object")
    if "alert_id" not in body:
        anchor = message.header("ce_id") or (
            f"{message.topic}/{message.partition}/{message.offset}@{message.timestamp_ms}"
        )
        body["alert_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tocsin:raw:{anchor}"))
    body.setdefault("integration", "kafka")
    body.setdefault("received_at", message.timestamp_ms / 1000)
    try:
        alert = RawAlertV1.model_validate(body)
    except ValidationError as exc:
        raise PoisonMessage(f"invalid raw alert: {exc.error_count()} error(s)") from exc
    return alert, str(alert.alert_id)


def raw_alert_handler(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, screen: Screen | None = None
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        alert, identity = decode(message)
        outcome = await process_raw_alert(
            alert, identity=identity, uow_factory=uow_factory, clock=clock, screen=screen
        )
        count_outcomes([(alert.integration, outcome)])

    return handle


def raw_alert_batch_handler(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    screen: Screen | None = None,
    consumer: str = RAW_CONSUMER,
) -> BatchHandler:
    """A batch in one transaction. A poison message raises, and the caller then goes message by
    message, which dead-letters the poison one and processes the rest."""

    async def handle(messages: list[InboundMessage]) -> None:
        decoded = [decode(message) for message in messages]
        outcomes = await process_raw_alerts(
            decoded,
            uow_factory=uow_factory,
            clock=clock,
            screen=screen,
            each=lambda i: consuming(messages[i], consumer=consumer),
        )
        count_outcomes(
            (alert.integration, outcome)
            for (alert, _), outcome in zip(decoded, outcomes, strict=True)
        )

    return handle
