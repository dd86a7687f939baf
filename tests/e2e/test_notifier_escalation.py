"""Escalation through the whole system (`tocsin up`): an alert pages level 0, level 1 follows
after its delay, an acknowledgement pauses, an un-acknowledgement pages the current level again,
and a reopen after resolving starts a new cycle from level 0. Every hop real."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from ..infra import eventually
from ..receiver import Receiver, running_receiver
from ..samples import INTEGRATION_KEY, RESPONDER_TOKEN, VIEWER_TOKEN
from .system import running_system

INGEST = {"Authorization": f"Bearer {INTEGRATION_KEY}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
RESPONDER = {"Authorization": f"Bearer {RESPONDER_TOKEN}"}


def config(url: str) -> str:
    channels = "".join(
        f"\n  - {{name: l{i}, type: webhook, url: {url}, secret: s{i}}}" for i in range(3)
    )
    return f"""
version: 1
services: [{{name: checkout, escalation_policy: three}}]
integrations: [{{name: native, service: checkout, key: {INTEGRATION_KEY}}}]
api_tokens:
  - {{name: alice, role: responder, token: {RESPONDER_TOKEN}}}
  - {{name: victor, role: viewer, token: {VIEWER_TOKEN}}}
channels:{channels}
escalation_policies:
  - name: three
    levels:
      - {{targets: [{{channel: l0}}], delay_minutes: 0.05}}
      - {{targets: [{{channel: l1}}], delay_minutes: 30}}
      - {{targets: [{{channel: l2}}], delay_minutes: 30}}
"""


def pages(receiver: Receiver) -> list[str]:
    return [r.json()["channel"] for r in receiver.received]


async def test_escalate_pause_resume_and_restart_through_the_system(tmp_path: Path) -> None:
    async with (
        running_receiver() as receiver,
        running_system(tmp_path, config_text=config(receiver.url)) as system,
        httpx.AsyncClient(timeout=10) as http,
    ):
        api = system.url("incident")
        alert = {"dedup_key": "db", "summary": "checkout DB down", "severity": "critical"}
        assert (await http.post(f"{api}/v1/alerts", json=alert, headers=INGEST)).status_code == 202

        async def the_incident() -> dict[str, Any] | None:
            found = (await http.get(f"{api}/v1/incidents", headers=VIEWER)).json()["incidents"]
            return found[0] if found else None

        incident = await eventually(the_incident, timeout_s=60)

        def paged(expected: list[str]):  # type: ignore[no-untyped-def]
            async def check() -> bool:
                return pages(receiver) == expected

            return check

        await eventually(paged(["l0", "l1"]), timeout_s=60)  # level 1 three seconds later

        async def act(action: str) -> None:
            url = f"{api}/v1/incidents/{incident['id']}/{action}"
            response = await http.post(url, headers=RESPONDER)
            assert response.status_code == 200, response.text

        async def ledger() -> list[dict[str, Any]]:
            url = f"{system.url('notifier')}/v1/notifications"
            response = await http.get(url, params={"incident": incident["id"]}, headers=VIEWER)
            return list(response.json()["notifications"])

        await act("acknowledge")
        await act("unacknowledge")
        await eventually(paged(["l0", "l1", "l1"]), timeout_s=60)  # the current level again
        await act("resolve")
        await act("reopen")
        await eventually(paged(["l0", "l1", "l1", "l0"]), timeout_s=60)  # a new cycle
        keys = [r.headers["idempotency-key"] for r in receiver.received]
        assert len(set(keys)) == 4 and keys[-1].endswith(":c1")
        assert {row["status"] for row in await ledger()} == {"delivered"}
