"""Capture the spans this process finishes, whichever test set the global tracer provider."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@contextlib.contextmanager
def captured_spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        # The global provider can be set once per process; the first test that needs it sets it.
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield exporter
    finally:
        exporter.shutdown()  # the processor stays registered but records nothing any more


def hex_ids(span: ReadableSpan) -> tuple[str, str, str | None]:
    """(trace id, span id, parent span id) as in `traceparent`."""
    context = span.get_span_context()
    assert context is not None
    parent = format(span.parent.span_id, "016x") if span.parent else None
    return format(context.trace_id, "032x"), format(context.span_id, "016x"), parent
