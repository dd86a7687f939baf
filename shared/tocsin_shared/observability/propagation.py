"""W3C trace context across Kafka headers, outbox rows, ledger rows and HTTP (ADR 0011).

Every produce carries `traceparent` (and `tracestate` when set) of the span that produced it;
every consumed message is handled in a CONSUMER span whose parent is the producer's context. Work
that happens later from a table (the outbox relay, the notifier's delivery) stores the context as a
small JSON carrier on the row and parents its span to it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind

from ..messaging.inbound import InboundMessage

TRACEPARENT = "traceparent"
Carrier = dict[str, str]


def tracer() -> trace.Tracer:
    return trace.get_tracer("tocsin")


def carrier(context: Context | None = None) -> Carrier:
    """The current (or given) trace context as text headers; empty when there is no span."""
    out: Carrier = {}
    propagate.inject(out, context=context)
    return out


def with_trace_headers(
    headers: Mapping[str, bytes], context: Context | None = None
) -> dict[str, bytes]:
    """`headers` plus the trace context, which replaces any older one they carried."""
    injected = carrier(context)
    if not injected:
        return dict(headers)
    kept = {k: v for k, v in headers.items() if k not in ("traceparent", "tracestate")}
    return {**kept, **{k: v.encode() for k, v in injected.items()}}


def context_of(stored: Mapping[str, Any] | None) -> Context:
    """The context a stored carrier names (an empty context when it names none)."""
    return propagate.extract({str(k): str(v) for k, v in (stored or {}).items()})


def context_from_headers(headers: Mapping[str, bytes]) -> Context:
    return propagate.extract({k: v.decode(errors="replace") for k, v in headers.items()})


def span_in(context: Context | None, span: Span) -> Context:
    return trace.set_span_in_context(span, context)


@contextmanager
def consuming(message: InboundMessage, *, consumer: str) -> Iterator[Span]:
    """Handle one message in a CONSUMER span whose parent is the context its producer sent."""
    with tracer().start_as_current_span(
        f"{message.topic} process",
        context=context_from_headers(message.headers),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": message.topic,
            "messaging.consumer.group.name": consumer,
            "messaging.kafka.destination.partition": message.partition,
            "messaging.kafka.offset": message.offset,
            "messaging.message.id": message.header("ce_id") or "",
            "cloudevents.event_type": message.header("ce_type") or "",
        },
    ) as span:
        yield span


@contextmanager
def producing(topic: str) -> Iterator[Span]:
    """A PRODUCER span, current while the records are sent (they carry its context)."""
    with tracer().start_as_current_span(
        f"{topic} publish",
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
    ) as span:
        yield span
