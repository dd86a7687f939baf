"""Alertmanager webhook edge: per-alert mapping, dedup options, and bad input refused cleanly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tocsin_incident.api_alertmanager import alertmanager_router
from tocsin_shared.clock import FakeClock
from tocsin_shared.http.errors import install_error_handlers
from tocsin_shared.http.limits import BodyLimitMiddleware

from ..compat_payloads import captured, sequence
from ..samples import PAGERDUTY_KEY, WEBHOOK_GROUPED_KEY, WEBHOOK_KEY, compat_config
from .fakes_incident import FakeSink

URL = "/v1/integrations/alertmanager"


@pytest.fixture
def sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def client(sink: FakeSink) -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(
        alertmanager_router(
            config=compat_config(), sink=lambda: sink, raw_topic="raw", clock=FakeClock()
        )
    )
    transport = httpx.ASGITransport(app=BodyLimitMiddleware(app))
    return httpx.AsyncClient(transport=transport, base_url="http://edge")


def _sent(sink: FakeSink) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in sink.sent]


async def test_a_firing_alert_becomes_a_trigger_keyed_by_its_fingerprint(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    firing = captured("webhook-v4-firing.json")
    response = await client.post(URL, content=firing.body, headers=firing.headers)
    assert response.status_code == 202, response.text
    (raw,) = _sent(sink)
    assert sink.sent[0].key == b"via-webhook\x1f7b006c8e71e8c41c"
    assert raw["action"] == "trigger" and raw["dedup_key"] == "7b006c8e71e8c41c"
    assert raw["integration"] == "am-webhook" and raw["service"] == "via-webhook"
    assert raw["summary"] == "Synthetic always-firing alert"
    assert raw["severity"] == "critical"
    assert raw["labels"]["team"] == "sre"
    assert raw["details"]["annotations"]["runbook_url"] == "https://runbooks.example/always-firing"
    assert raw["details"]["generatorURL"].startswith("http://vm:9090/graph")
    assert raw["details"]["fingerprint"] == "7b006c8e71e8c41c"
    assert raw["details"]["groupKey"] == '{}/{}:{alertname="AlwaysFiring", service="checkout"}'
    assert datetime.fromisoformat(raw["occurred_at"]) == datetime(
        2026, 11, 22, 10, 5, 34, 411000, tzinfo=UTC
    )
    assert response.json()["alerts"][0]["dedup_key"] == "7b006c8e71e8c41c"


async def test_a_resolved_alert_becomes_a_resolve_at_its_end(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    resolved = captured("webhook-v4-resolved.json")
    response = await client.post(URL, content=resolved.body, headers=resolved.headers)
    assert response.status_code == 202
    (raw,) = _sent(sink)
    assert (raw["action"], raw["dedup_key"]) == ("resolve", "fea133a911ce2ca4")
    assert raw["severity"] == "warning"
    assert raw["occurred_at"].startswith("2026-11-22T10:06:20.411")


async def test_a_partial_resolve_resolves_one_alert_and_keeps_the_other_firing(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    partial = sequence()[4]
    assert partial.json()["status"] == "firing"
    response = await client.post(partial.url, content=partial.body, headers=partial.headers)
    assert response.status_code == 202
    actions = {r["dedup_key"]: r["action"] for r in _sent(sink)}
    assert actions == {"1b821551d31d953a": "resolve", "dcc220a33c39da0b": "trigger"}


async def test_group_key_dedup_keeps_the_group_open_until_all_of_it_resolves(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    auth = {"Authorization": f"Bearer {WEBHOOK_GROUPED_KEY}"}
    webhooks = [c for c in sequence() if c.path == URL]
    for webhook in webhooks:
        response = await client.post(URL, content=webhook.body, headers=auth)
        assert response.status_code == 202
    sent = _sent(sink)
    assert [r["action"] for r in sent] == ["trigger", "trigger", "resolve"]
    # The same key Alertmanager sends to PagerDuty and Opsgenie for this group.
    group = "94643ba4e872e5c956190c10659a123e9bbe9a72662543f6f195dae92694675b"
    assert {r["dedup_key"] for r in sent} == {group}
    assert {r["service"] for r in sent} == {"via-webhook-grouped"}
    assert sent[0]["details"]["fingerprints"] == {
        "1b821551d31d953a": "firing",
        "dcc220a33c39da0b": "firing",
    }


async def test_the_key_may_be_given_in_the_path(client: httpx.AsyncClient, sink: FakeSink) -> None:
    firing = captured("webhook-v4-firing.json")
    response = await client.post(
        f"{URL}/{WEBHOOK_KEY}", content=firing.body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 202
    assert len(sink.sent) == 1


@pytest.mark.parametrize(
    ("annotations", "labels", "summary", "severity"),
    [
        ({"description": "the description"}, {"alertname": "A"}, "the description", "error"),
        ({}, {"alertname": "OnlyAName", "severity": "page"}, "OnlyAName", "critical"),
        ({}, {"severity": "ticket"}, "Alertmanager alert", "warning"),
        ({"summary": "s"}, {"severity": "bogus"}, "s", "error"),
    ],
)
async def test_summary_fallbacks_and_the_integration_severity_map(
    client: httpx.AsyncClient,
    sink: FakeSink,
    annotations: dict[str, str],
    labels: dict[str, str],
    summary: str,
    severity: str,
) -> None:
    body = {
        "version": "4",
        "status": "firing",
        "alerts": [{"labels": labels, "annotations": annotations}],
    }
    response = await client.post(URL, json=body, headers={"Authorization": f"Bearer {WEBHOOK_KEY}"})
    assert response.status_code == 202
    (raw,) = _sent(sink)
    assert (raw["summary"], raw["severity"]) == (summary, severity)
    assert raw["dedup_key"]  # derived from the label set when there is no fingerprint


async def test_an_overlong_summary_is_accepted_truncated(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    body = {"alerts": [{"annotations": {"summary": "x" * 5000}, "fingerprint": "f"}]}
    response = await client.post(URL, json=body, headers={"Authorization": f"Bearer {WEBHOOK_KEY}"})
    assert response.status_code == 202
    (raw,) = _sent(sink)
    assert len(raw["summary"]) == 1024 and raw["summary_truncated"] is True


async def test_an_empty_group_is_accepted_and_produces_nothing(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    response = await client.post(
        URL, json={"version": "4", "alerts": []}, headers={"Authorization": f"Bearer {WEBHOOK_KEY}"}
    )
    assert response.status_code == 202 and sink.sent == []


AUTH = {"Authorization": f"Bearer {WEBHOOK_KEY}"}


@pytest.mark.parametrize(
    ("path", "headers", "body", "status", "code"),
    [
        (URL, {}, b'{"alerts": []}', 401, "unauthenticated"),
        (URL, {"Authorization": "Bearer wrong"}, b'{"alerts": []}', 401, "unauthenticated"),
        (f"{URL}/wrong", {}, b'{"alerts": []}', 401, "unauthenticated"),
        # A key of another kind is no key here.
        (URL, {"Authorization": f"Bearer {PAGERDUTY_KEY}"}, b"{}", 401, "unauthenticated"),
        (URL, AUTH, b"{not json", 400, "malformed_json"),
        (URL, AUTH, b"[1, 2]", 422, "invalid_payload"),
        (URL, AUTH, b'{"alerts": {"a": 1}}', 422, "invalid_payload"),
        (URL, AUTH, b'{"alerts": [{"status": "exploded"}]}', 422, "invalid_payload"),
        (URL, AUTH, b'{"alerts": [{"labels": {"a": 1}}]}', 422, "invalid_payload"),
        (URL, AUTH, b'{"alerts": [{"startsAt": "yesterday"}]}', 422, "invalid_payload"),
    ],
)
async def test_bad_input_gets_a_clear_4xx_and_produces_nothing(
    client: httpx.AsyncClient,
    sink: FakeSink,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
    code: str,
) -> None:
    response = await client.post(
        path, content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert sink.sent == []


async def test_broker_unavailable_is_503_so_alertmanager_retries(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    sink.fail = True
    firing = captured("webhook-v4-firing.json")
    response = await client.post(URL, content=firing.body, headers=firing.headers)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


async def test_nul_characters_are_replaced_so_postgres_can_store_the_alert(
    client: httpx.AsyncClient, sink: FakeSink
) -> None:
    body = {"alerts": [{"annotations": {"summary": "a\u0000b"}, "labels": {"k\u0000": "v"}}]}
    response = await client.post(URL, json=body, headers={"Authorization": f"Bearer {WEBHOOK_KEY}"})
    assert response.status_code == 202
    assert b"\\u0000" not in sink.sent[0].value
    (raw,) = _sent(sink)
    assert raw["summary"] == "a\ufffdb" and raw["labels"] == {"k\ufffd": "v"}
