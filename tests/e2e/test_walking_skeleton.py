"""Alert in, incident deduplicated, event consumed by all three other services, a signed page
delivered to a local receiver, and the acknowledgement emitted as an event: every hop real."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from tocsin_shared.contracts.envelope import from_kafka
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.signing import verify

from ..infra import eventually
from ..kafka_tools import read_all
from ..receiver import running_receiver
from ..samples import INTEGRATION_KEY, RESPONDER_TOKEN, VIEWER_TOKEN, WEBHOOK_SECRET, config_yaml
from .system import running_system

INGEST = {"Authorization": f"Bearer {INTEGRATION_KEY}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
RESPONDER = {"Authorization": f"Bearer {RESPONDER_TOKEN}"}


async def test_alert_to_page_to_acknowledgement(tmp_path: Path) -> None:
    async with (
        running_receiver() as receiver,
        running_system(tmp_path, config_text=config_yaml(webhook_url=receiver.url)) as system,
        httpx.AsyncClient(timeout=10) as http,
    ):
        incident_api = system.url("incident")
        alert = {"dedup_key": "checkout-db", "summary": "checkout DB down", "severity": "critical"}
        first = await http.post(f"{incident_api}/v1/alerts", json=alert, headers=INGEST)
        assert first.status_code == 202, first.text

        async def the_incident() -> dict[str, Any] | None:
            response = await http.get(f"{incident_api}/v1/incidents", headers=VIEWER)
            found = response.json()["incidents"]
            return found[0] if found else None

        incident = await eventually(the_incident, timeout_s=30)
        assert (incident["status"], incident["alert_count"]) == ("triggered", 1)

        again = await http.post(f"{incident_api}/v1/alerts", json=alert, headers=INGEST)
        assert again.status_code == 202

        async def counted_twice() -> bool:
            found = (await http.get(f"{incident_api}/v1/incidents", headers=VIEWER)).json()
            return [i["alert_count"] for i in found["incidents"]] == [2]

        await eventually(counted_twice, timeout_s=30)

        async def paged() -> bool:
            return bool(receiver.received)

        await eventually(paged, timeout_s=30)
        page = receiver.received[0]
        assert verify(
            WEBHOOK_SECRET,
            timestamp=int(page.headers["x-tocsin-timestamp"]),
            body=page.body,
            signature=page.headers["x-tocsin-signature"],
            now=int(time.time()),
        )
        assert page.json()["incident"]["id"] == incident["id"]

        async def problem_saw_it() -> bool:
            response = await http.get(
                f"{system.url('problem')}/v1/problems/observed-incidents", headers=VIEWER
            )
            return incident["id"] in response.text

        async def sla_clock(state: str) -> bool:
            response = await http.get(
                f"{system.url('sla-monitor')}/v1/sla/incidents/{incident['id']}", headers=VIEWER
            )
            return response.status_code == 200 and f'"{state}"' in response.text

        await eventually(problem_saw_it, timeout_s=30)
        await eventually(lambda: sla_clock("running"), timeout_s=30)

        ack = await http.post(
            f"{incident_api}/v1/incidents/{incident['id']}/acknowledge", headers=RESPONDER
        )
        assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
        again_ack = await http.post(
            f"{incident_api}/v1/incidents/{incident['id']}/acknowledge", headers=RESPONDER
        )
        assert again_ack.status_code == 409

        await eventually(lambda: sla_clock("met"), timeout_s=30)
        records = await read_all(system.bootstrap, INCIDENT_EVENTS.name, expect=2)
        types = [
            from_kafka(headers=dict(r.headers), key=r.key, value=r.value).type for r in records
        ]
        assert types == ["tocsin.incident.triggered.v1", "tocsin.incident.acknowledged.v1"]
        assert len(receiver.received) == 1
