"""The notifier's metrics (docs/observability.md): outcomes of delivery attempts and latency;
and the delivery attempt's span."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from opentelemetry.trace import Span, SpanKind
from prometheus_client import Counter, Histogram
from tocsin_shared.observability.propagation import context_of, tracer

from .domain.ledger import Notification, Status

OUTCOMES = Counter(
    "tocsin_notifications_total",
    "Delivery attempts by outcome: delivered, failed (will retry), dead (gave up)",
    ["channel", "outcome"],
)
DELIVERY_LATENCY = Histogram(
    "tocsin_notification_delivery_seconds",
    "From the page being requested (ledger row written) to its delivery",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
SEND_SECONDS = Histogram(
    "tocsin_notification_send_seconds",
    "Duration of one delivery attempt (the channel's request)",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

_OUTCOME = {Status.DELIVERED: "delivered", Status.PENDING: "failed", Status.DEAD: "dead"}


def count_outcomes(pages: Sequence[Notification], *, now: datetime) -> None:
    for n in pages:
        outcome = _OUTCOME.get(n.status)
        if outcome is None:
            continue
        OUTCOMES.labels(n.channel, outcome).inc()
        if n.status is Status.DELIVERED and n.requested_at is not None:
            DELIVERY_LATENCY.labels(n.channel).observe(
                max((now - n.requested_at).total_seconds(), 0.0)
            )


@contextmanager
def delivery_span(message: Notification, pages: Sequence[Notification]) -> Iterator[Span]:
    """The delivery attempt, a child of the span that requested the page (stored on its row);
    the channel's request carries this span's `traceparent`."""
    started = time.perf_counter()
    with tracer().start_as_current_span(
        f"notify {message.channel}",
        context=context_of(pages[0].trace_context),
        kind=SpanKind.CLIENT,
        attributes={
            "tocsin.notification.id": str(message.id),
            "tocsin.notification.channel": message.channel,
            "tocsin.notification.attempt": message.attempts,
            "tocsin.notification.pages": len(pages),
            "tocsin.incident.id": str(message.incident_id),
        },
    ) as span:
        try:
            yield span
        finally:
            SEND_SECONDS.labels(message.channel).observe(time.perf_counter() - started)
