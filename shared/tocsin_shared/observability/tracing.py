"""OpenTelemetry tracer provider; the exporter is chosen by the standard OTEL_* variables.

`OTEL_TRACES_EXPORTER` = none (default) | otlp | console. Settings are read by the OTel SDK itself,
which is the one sanctioned reader of those variables.
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter


def configure_tracing(*, service: str, exporter: str | None = None) -> TracerProvider:
    chosen = (exporter or os.environ.get("OTEL_TRACES_EXPORTER", "none")).lower()
    provider = TracerProvider(resource=Resource.create({"service.name": f"tocsin-{service}"}))
    span_exporter: SpanExporter | None = None
    if chosen == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        span_exporter = OTLPSpanExporter()
    elif chosen == "console":
        span_exporter = ConsoleSpanExporter()
    if span_exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    return provider
