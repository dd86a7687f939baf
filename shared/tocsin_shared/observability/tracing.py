"""OpenTelemetry tracer provider; the exporter is chosen by the standard OTEL_* variables.

`OTEL_TRACES_EXPORTER` = none (default) | otlp | console | file | memory. Settings are read by the
OTel SDK itself, which is the one sanctioned reader of those variables. `file` appends one JSON
object per finished span to `TOCSIN_TRACE_FILE` (a service setting), so that tests and operators
can check the spans of real processes without a collector; `memory` keeps them in this process.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

MEMORY = InMemorySpanExporter()

# FastAPI's native OpenTelemetry: a SERVER span per request continuing the caller's traceparent.
# Probes and scrapes would drown the traces; the per-dependency spans add nothing here; its OTel
# log records (validation failures with their input) could carry what a client should not have
# sent, so they stay off.
HTTP_TELEMETRY: TelemetryConfig = {
    "exclude": lambda scope: scope.get("path") in ("/healthz", "/readyz", "/metrics"),
    "operation_spans": False,
    "metrics": False,
    "logs": False,
}


def span_record(span: ReadableSpan) -> dict[str, object]:
    """One span as the file exporter writes it (ids in W3C hex)."""
    context = span.get_span_context()
    assert context is not None
    return {
        "name": span.name,
        "kind": span.kind.name,
        "service": span.resource.attributes.get("service.name"),
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "links": [format(link.context.span_id, "016x") for link in span.links],
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "attributes": {k: v for k, v in (span.attributes or {}).items()},
    }


class JsonLinesSpanExporter(SpanExporter):
    """Appends each span as a JSON line; several processes may share one file (one write each)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_record(s), default=str) + "\n" for s in spans)
        with self._lock, open(self._path, "a", encoding="utf-8") as out:
            out.write(lines)
        return SpanExportResult.SUCCESS


def configure_tracing(
    *, service: str, exporter: str | None = None, file_path: Path | None = None
) -> TracerProvider:
    chosen = (exporter or os.environ.get("OTEL_TRACES_EXPORTER", "none")).lower()
    provider = TracerProvider(resource=Resource.create({"service.name": f"tocsin-{service}"}))
    if chosen == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif chosen == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif chosen == "file":
        if file_path is None:
            raise ValueError("OTEL_TRACES_EXPORTER=file needs TOCSIN_TRACE_FILE")
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(file_path)))
    elif chosen == "memory":
        provider.add_span_processor(SimpleSpanProcessor(MEMORY))
    trace.set_tracer_provider(provider)
    return provider
