"""Health, readiness, metrics, JSON logs with trace ids, and the tracer's exporter choice."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import structlog
from fastapi import FastAPI
from opentelemetry import trace
from prometheus_client import CollectorRegistry, Counter
from tocsin_shared.http.health import health_router
from tocsin_shared.observability.logging import configure_logging
from tocsin_shared.observability.tracing import configure_tracing


def client_for(*, database_up: bool) -> httpx.AsyncClient:
    registry = CollectorRegistry()
    Counter("tocsin_test_things", "things", registry=registry).inc(3)

    async def database() -> bool:
        return database_up

    async def broker() -> bool:
        return True

    app = FastAPI()
    app.include_router(
        health_router(checks={"database": database, "broker": broker}, registry=registry)
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


async def test_ready_when_every_dependency_answers() -> None:
    async with client_for(database_up=True) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"database": True, "broker": True}}


async def test_alive_but_not_ready_without_the_database() -> None:
    async with client_for(database_up=False) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] is False


async def test_metrics_are_exposed_in_prometheus_text_format() -> None:
    async with client_for(database_up=True) as client:
        metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert "tocsin_test_things_total 3.0" in metrics.text


@pytest.fixture
def restore_logging():  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


@pytest.mark.usefixtures("restore_logging")
def test_json_logs_carry_trace_and_span_ids(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(service="test", level="INFO", json=True)
    provider = configure_tracing(service="test", exporter="none")
    with provider.get_tracer("t").start_as_current_span("work") as span:
        structlog.get_logger("t").info("paged", incident="i-1")
        logging.getLogger("stdlib").warning("from the standard library")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    ours = next(line for line in lines if line["event"] == "paged")
    context = span.get_span_context()
    assert ours["trace_id"] == format(context.trace_id, "032x")
    assert ours["span_id"] == format(context.span_id, "016x")
    assert ours["service"] == "test" and ours["incident"] == "i-1" and ours["level"] == "info"
    assert any(line["event"] == "from the standard library" for line in lines)


@pytest.mark.parametrize(("exporter", "processors"), [("none", 0), ("console", 1)])
def test_the_exporter_is_chosen_by_name(exporter: str, processors: int) -> None:
    provider = configure_tracing(service="test", exporter=exporter)
    active = provider._active_span_processor._span_processors  # no public accessor
    assert len(active) == processors
    assert provider.resource.attributes["service.name"] == "tocsin-test"
    trace.get_tracer_provider()  # the global was set without error
