"""One run of `tocsin up` (real processes, file span exporter) proves issue 7's observability:

- one trace from the HTTP request that brings an alert to the webhook that delivers its page,
  each hop the parent of the next, and the webhook request carrying `traceparent`;
- every metric docs/observability.md documents is on the /metrics of the services it names;
- a known secret (integration key, API token, DSN password, channel secret) appears in no log,
  no /metrics and no error body; JSON log lines inside a span carry its trace and span ids.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from tocsin_shared.contracts.topics import ALERTS_RAW, INCIDENT_EVENTS

from ..conftest import REPO
from ..infra import Infra, eventually
from ..receiver import running_receiver
from ..samples import INTEGRATION_KEY, RESPONDER_TOKEN, VIEWER_TOKEN, WEBHOOK_SECRET, config_yaml
from .system import running_system

SECRET = "Zq7obsSECRETx4711"
KEY, TOKEN, VIEWER, HOOK = (f"{what}-{SECRET}" for what in ("key", "tok", "view", "hook"))
SERVICES = ("incident", "problem", "sla-monitor", "notifier")


def secret_config(webhook_url: str) -> str:
    text = config_yaml(webhook_url=webhook_url)
    for public, secret in (
        (INTEGRATION_KEY, KEY),
        (RESPONDER_TOKEN, TOKEN),
        (VIEWER_TOKEN, VIEWER),
        (WEBHOOK_SECRET, HOOK),
    ):
        text = text.replace(public, secret)
    return text


@contextlib.asynccontextmanager
async def role_with_secret_password(infra: Infra, database: str) -> AsyncIterator[str]:
    """The test database's DSN, logging in as a role whose password is the secret."""
    role = f"obs_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(infra.admin_dsn)
    try:
        await conn.execute(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{SECRET}'")
    finally:
        await conn.close()
    parts = urlsplit(database)
    netloc = f"{role}:{SECRET}@{parts.netloc.rpartition('@')[2]}"
    try:
        yield urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    finally:
        owner = await asyncpg.connect(database)
        try:
            await owner.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}")
        finally:
            await owner.close()
        admin = await asyncpg.connect(infra.admin_dsn)
        try:
            await admin.execute(f"DROP ROLE {role}")
        finally:
            await admin.close()


def documented_metrics() -> list[tuple[str, list[str]]]:
    """(name, services) of every row of the metrics table in docs/observability.md."""
    rows = []
    for line in (REPO / "docs" / "observability.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`tocsin_"):
            services = [s.strip() for s in cells[3].split(",")]
            rows.append((cells[0].strip("`"), list(SERVICES) if services == ["all"] else services))
    return rows


def exposes(text: str, name: str) -> bool:
    return re.search(rf"^(# (HELP|TYPE) )?{re.escape(name)}(_bucket|_count|_sum)?[ {{]", text, re.M)


def all_output(out: Path, state_dir: Path) -> str:
    """What `tocsin up` printed and every service's whole log."""
    logs = sorted((state_dir / "logs").glob("*.log"))
    return "\n".join(path.read_text(errors="replace") for path in [out, *logs])


def spans_of(trace_file: Path) -> list[dict[str, Any]]:
    if not trace_file.exists():
        return []
    return [json.loads(line) for line in trace_file.read_text().splitlines() if line.strip()]


def the_one(spans: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [s for s in spans if all(s.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, [(s["name"], s["service"]) for s in spans])
    return found[0]


async def test_one_trace_metrics_and_no_secret(tmp_path: Path, infra: Infra, database: str) -> None:
    trace_file = tmp_path / "spans.jsonl"
    async with (
        role_with_secret_password(infra, database) as dsn,
        running_receiver() as receiver,
        running_system(
            tmp_path,
            config_text=secret_config(receiver.url),
            env={
                "TOCSIN_DATABASE_URL": dsn,
                "OTEL_TRACES_EXPORTER": "file",
                "TOCSIN_TRACE_FILE": str(trace_file),
            },
        ) as system,
        httpx.AsyncClient(timeout=10) as http,
    ):
        incident_api = system.url("incident")
        ingest = {"Authorization": f"Bearer {KEY}"}
        alert = {"dedup_key": "obs-db", "summary": "checkout DB down", "severity": "critical"}
        accepted = await http.post(f"{incident_api}/v1/alerts", json=alert, headers=ingest)
        assert accepted.status_code == 202, accepted.text

        async def paged() -> bool:
            return bool(receiver.received)

        await eventually(paged, timeout_s=60)
        again = await http.post(f"{incident_api}/v1/alerts", json=alert, headers=ingest)
        assert again.status_code == 202
        errors = [
            await http.post(f"{incident_api}/v1/alerts", content=b"{", headers=ingest),
            await http.post(f"{incident_api}/v1/alerts", json={"severity": 7}, headers=ingest),
            await http.post(
                f"{incident_api}/v1/alerts", json=alert, headers={"Authorization": SECRET}
            ),
            await http.get(
                f"{incident_api}/v1/incidents/nope", headers={"Authorization": f"Bearer {TOKEN}"}
            ),
        ]
        assert [e.status_code for e in errors][:3] == [400, 422, 401]

        # -- the trace ---------------------------------------------------------------------------
        page = receiver.received[0]
        _, trace_id, parent_of_request, _ = page.headers["traceparent"].split("-")

        async def whole_trace() -> list[dict[str, Any]] | None:
            spans = [s for s in spans_of(trace_file) if s["trace_id"] == trace_id]
            return spans if any(s["kind"] == "CLIENT" for s in spans) else None

        spans = await eventually(whole_trace, timeout_s=30)
        http_in = the_one(spans, kind="SERVER", name="POST /v1/alerts")
        raw_out = the_one(spans, kind="PRODUCER", name=f"{ALERTS_RAW.name} publish")
        raw_in = the_one(spans, kind="CONSUMER", name=f"{ALERTS_RAW.name} process")
        relay = the_one(spans, kind="PRODUCER", name=f"{INCIDENT_EVENTS.name} publish")
        notifier_in = the_one(
            spans,
            kind="CONSUMER",
            name=f"{INCIDENT_EVENTS.name} process",
            service="tocsin-notifier",
        )
        delivery = the_one(spans, kind="CLIENT", service="tocsin-notifier")
        chain = [http_in, raw_out, raw_in, relay, notifier_in, delivery]
        assert [s["service"] for s in chain[:4]] == ["tocsin-incident"] * 4
        assert relay["attributes"]["cloudevents.event_type"] == "tocsin.incident.triggered.v1"
        for parent, child in itertools.pairwise(chain):
            assert child["parent_span_id"] == parent["span_id"], (child["name"], parent["name"])
        assert http_in["parent_span_id"] is None
        assert parent_of_request == delivery["span_id"]

        # -- the metrics -------------------------------------------------------------------------
        documented = documented_metrics()
        assert len(documented) >= 15

        async def all_exposed() -> bool:
            for service in SERVICES:
                text = (await http.get(f"{system.url(service)}/metrics")).text
                assert SECRET not in text
                missing = [
                    n for n, where in documented if service in where and not exposes(text, n)
                ]
                if missing:
                    return False
            return True

        await eventually(all_exposed, timeout_s=30)
        expected = {
            "incident": [
                'tocsin_alerts_received_total{integration="checkout-native"} 2.0',
                'tocsin_alerts_deduplicated_total{integration="checkout-native"} 1.0',
                'tocsin_alerts_rejected_total{integration="checkout-native",reason="422"} 1.0',
                'tocsin_alerts_rejected_total{integration="unknown",reason="401"} 1.0',
                'tocsin_incidents{state="triggered"} 1.0',
            ],
            "notifier": [
                'tocsin_notifications_total{channel="ops-webhook",outcome="delivered"} 1.0',
                'tocsin_notification_delivery_seconds_count{channel="ops-webhook"} 1.0',
                'tocsin_consumer_lag{consumer="tocsin-notifier-incident-events",partition="',
                'tocsin_consumer_handler_seconds_count{consumer="tocsin-notifier-incident-events"}',
                "tocsin_outbox_oldest_age_seconds ",
            ],
            "sla-monitor": ['tocsin_sla_clocks{state="running",target="time_to_acknowledge"} 1.0'],
        }

        # Each entry starts a sample line; the gauges are refreshed in the background.
        missing: list[str] = []

        async def counted() -> bool:
            missing.clear()
            for service, samples in expected.items():
                lines = (await http.get(f"{system.url(service)}/metrics")).text.splitlines()
                missing.extend(s for s in samples if not any(x.startswith(s) for x in lines))
            return not missing

        try:
            await eventually(counted, timeout_s=30)
        except AssertionError:
            raise AssertionError(f"no sample line starts with {missing}") from None

    # -- no secret anywhere; logs carry trace ids ------------------------------------------------
    for response in errors:
        assert SECRET not in response.text
    output = all_output(system.up.out, system.up.state_dir)
    assert SECRET not in output
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    sends = [line for line in logged if line.get("event") == "delivery attempt"]
    assert sends and sends[0]["trace_id"] == trace_id
    assert sends[0]["span_id"] == delivery["span_id"]
