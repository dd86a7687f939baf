"""The one-click acknowledge link through the whole system (`tocsin up`): a page by email to a
real local SMTP server (aiosmtpd) carries a signed link; opening it shows a confirmation page
and changes nothing; confirming acknowledges the incident as the paged user; a second click
says the link was already used. The delivered page shows on the incident's timeline."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from tocsin_cli.embedded import free_port

from ..infra import eventually
from ..samples import INTEGRATION_KEY, VIEWER_TOKEN
from .system import running_system

INGEST = {"Authorization": f"Bearer {INTEGRATION_KEY}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
LINK = re.compile(r"^Acknowledge: (\S+)", re.MULTILINE)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def config(smtp_port: int) -> str:
    return f"""
version: 1
services: [{{name: checkout, escalation_policy: mail-ann}}]
integrations: [{{name: native, service: checkout, key: {INTEGRATION_KEY}}}]
api_tokens:
  - {{name: victor, role: viewer, token: {VIEWER_TOKEN}}}
channels:
  - name: mail
    type: email
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    from_address: tocsin@example.test
users:
  - name: ann
    contact_methods: [{{name: work-mail, channel: mail, address: ann@example.test}}]
escalation_policies:
  - name: mail-ann
    levels:
      - {{targets: [{{user: ann}}], delay_minutes: 30}}
"""


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


async def test_an_emailed_ack_link_acknowledges_once(
    tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    env = {"TOCSIN_ACTION_LINK_SECRET": "e2e-link-secret"}
    async with (
        running_system(tmp_path, config_text=config(port), env=env) as system,
        httpx.AsyncClient(timeout=10) as http,
    ):
        api = system.url("incident")
        alert = {"dedup_key": "db", "summary": "checkout DB down", "severity": "critical"}
        assert (await http.post(f"{api}/v1/alerts", json=alert, headers=INGEST)).status_code == 202

        async def mail() -> EmailMessage | None:
            return mailbox.messages[0] if mailbox.messages else None

        message = await eventually(mail, timeout_s=90)
        assert message["To"] == "ann@example.test"
        found = LINK.search(text_of(message))
        assert found, text_of(message)
        ack = found.group(1)
        assert ack.startswith(f"{api}/v1/links/")

        (incident,) = (await http.get(f"{api}/v1/incidents", headers=VIEWER)).json()["incidents"]

        async def state() -> dict[str, Any]:
            url = f"{api}/v1/incidents/{incident['id']}"
            answer = await http.get(url, headers=VIEWER)
            assert answer.status_code == 200, answer.text
            return dict(answer.json())

        confirm = await http.get(ack)  # what a mail scanner's prefetch does, too
        assert confirm.status_code == 200, confirm.text
        assert "<form method='post'>" in confirm.text and "Acknowledge as ann" in confirm.text
        assert (await state())["status"] == "triggered"

        done = await http.post(ack)
        assert done.status_code == 200, done.text
        assert "Incident acknowledged by ann" in done.text
        detail = await state()
        assert detail["status"] == "acknowledged"
        acked = [e for e in detail["timeline"] if e["kind"] == "acknowledged"]
        assert [(e["actor_kind"], e["actor_id"]) for e in acked] == [("user", "ann")]

        again = await http.post(ack)
        assert again.status_code == 410
        assert "This link was already used on " in again.text

        async def delivered_on_timeline() -> list[dict[str, Any]] | None:
            entries = [e for e in (await state())["timeline"] if e["kind"].startswith("notif")]
            return entries if any(e["kind"] == "notification.delivered" for e in entries) else None

        entries = await eventually(delivered_on_timeline, timeout_s=60)
        delivered = next(e for e in entries if e["kind"] == "notification.delivered")
        assert delivered["actor_id"] == "notifier"
        assert delivered["detail"]["channel"] == "mail"
