"""W3C trace context through consumers, dead letters and the JSON-lines span file (ADR 0011)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry
from tocsin_shared.messaging.dead_letter import dead_letter_record
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.observed import one_by_one
from tocsin_shared.observability.metrics import RuntimeMetrics
from tocsin_shared.observability.propagation import carrier, producing, tracer
from tocsin_shared.observability.tracing import JsonLinesSpanExporter, configure_tracing

from ..tracing_support import captured_spans, hex_ids


def message(offset: int, headers: dict[str, bytes]) -> InboundMessage:
    return InboundMessage(
        topic="t.events",
        partition=0,
        offset=offset,
        key=b"k",
        value=b"{}",
        headers=headers,
        timestamp_ms=0,
    )


def produced_headers() -> tuple[dict[str, bytes], str, str]:
    """Headers as a producer in its own trace would send them, with that trace and span id."""
    with producing("t.events") as span:
        headers = {k: v.encode() for k, v in carrier().items()}
    context = span.get_span_context()
    return headers, format(context.trace_id, "032x"), format(context.span_id, "016x")


async def test_each_message_is_handled_in_a_child_of_its_producers_span() -> None:
    with captured_spans() as exporter:
        first, first_trace, first_producer = produced_headers()
        second, second_trace, second_producer = produced_headers()
        seen: list[dict[str, str]] = []

        async def handler(_: InboundMessage) -> None:
            seen.append(carrier())

        each = one_by_one(handler, consumer="g", metrics=RuntimeMetrics(CollectorRegistry()))
        await each([message(0, first), message(1, second), message(2, {})])
        consumed = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CONSUMER]
    assert [s.name for s in consumed] == ["t.events process"] * 3
    ids = [hex_ids(s) for s in consumed]
    assert ids[0][0] == first_trace and ids[0][2] == first_producer
    assert ids[1][0] == second_trace and ids[1][2] == second_producer
    assert ids[2][2] is None and ids[2][0] not in (first_trace, second_trace)
    # inside the handler the message's span is current: what it emits carries that span
    assert [c["traceparent"].split("-")[2] for c in seen] == [i[1] for i in ids]


def test_a_dead_letter_continues_the_trace_of_the_processing_that_gave_up() -> None:
    with captured_spans():
        original, _, _ = produced_headers()
        with tracer().start_as_current_span("processing") as span:
            record = dead_letter_record(
                message(7, original), consumer="g", error="boom", attempts=3
            )
    trace_id, span_id, _ = hex_ids(span)  # type: ignore[arg-type]
    assert record.headers["traceparent"].decode().split("-")[1:3] == [trace_id, span_id]


def test_the_span_file_holds_one_json_object_per_span(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    with captured_spans() as exporter:
        with tracer().start_as_current_span("outer"), tracer().start_as_current_span("inner"):
            pass
        JsonLinesSpanExporter(path).export(exporter.get_finished_spans())
    inner, outer = (json.loads(line) for line in path.read_text().splitlines())
    assert (inner["name"], outer["name"]) == ("inner", "outer")
    assert inner["trace_id"] == outer["trace_id"] and len(inner["trace_id"]) == 32
    assert inner["parent_span_id"] == outer["span_id"] and outer["parent_span_id"] is None


def test_the_file_exporter_needs_its_path_and_the_memory_exporter_none(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TOCSIN_TRACE_FILE"):
        configure_tracing(service="test", exporter="file")
    for chosen, path in (("file", tmp_path / "spans.jsonl"), ("memory", None)):
        provider = configure_tracing(service="test", exporter=chosen, file_path=path)
        active = provider._active_span_processor._span_processors  # no public accessor
        assert len(active) == 1
