"""Email pages against a real local SMTP server (aiosmtpd): plain, STARTTLS with auth, implicit
TLS; readable text and HTML; a working signed acknowledge link; permanent vs retryable errors."""

from __future__ import annotations

import email
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from tocsin_cli.embedded import free_port
from tocsin_notifier.action_links import ActionLinks
from tocsin_notifier.adapters.email import EmailSender
from tocsin_notifier.domain.ledger import Notification
from tocsin_shared.clock import FakeClock
from tocsin_shared.config.models import EmailChannel
from tocsin_shared.links import LinkAction, verify_action

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
LINK_SECRET = "link-secret"


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"pager",
        b"correct horse",
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a certificate for the TLS SMTP tests")
    d: Path = tmp_path_factory.mktemp("tls")
    key, cert = str(d / "key.pem"), str(d / "cert.pem")
    subject = ["-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *subject],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(d / "cert.pem", d / "key.pem")
    return context


def smtp_server(mailbox: Mailbox, **options: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def channel(port: int, **overrides: Any) -> EmailChannel:
    fields: dict[str, Any] = {
        "name": "mail",
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_address": "tocsin@example.test",
        "to": ["oncall@example.test"],
        "validate_certs": False,
    }
    return EmailChannel.model_validate({**fields, **overrides})


def page(address: str | None = None) -> Notification:
    payload: dict[str, object] = {
        "incident": {
            "id": "x",
            "summary": "database down",
            "severity": "critical",
            "service": "checkout",
            "status": "triggered",
            "url": "http://inc/v1/incidents/x",
            "workaround": "fail over",
        },
        "recipient": {"target": "ann/mail", "user": "ann", "address": address},
    }
    return Notification.request(
        incident_id=uuid4(),
        level=0,
        target="ann/mail",
        channel="mail",
        cycle=0,
        payload=payload,
        at=NOW,
    )


def sender(c: EmailChannel) -> EmailSender:
    links = ActionLinks(secret=LINK_SECRET, base_url="http://inc", ttl=timedelta(hours=1))
    return EmailSender(c, clock=FakeClock(NOW), links=links)


async def test_a_page_arrives_as_text_and_html_with_a_working_ack_link() -> None:
    mailbox = Mailbox()
    for port in smtp_server(mailbox):
        n = page(address="ann@example.test")
        result = await sender(channel(port)).send(n)
        assert result.ok, result
    [message] = mailbox.messages
    assert message["To"] == "ann@example.test"  # the contact method's address wins
    assert message["Subject"] == "[CRITICAL] checkout: database down"
    assert message["Idempotency-Key"] == n.idempotency_key
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Known workaround: fail over" in text and "fail over" in html
    ack = next(line for line in text.splitlines() if line.startswith("Acknowledge: "))
    token = ack.rsplit("/", 1)[1]
    claim = verify_action(LINK_SECRET, token, now=NOW)
    assert (claim.incident_id, claim.action) == (n.incident_id, LinkAction.ACKNOWLEDGE)
    assert token in html


async def test_starttls_with_auth(tls_context: ssl.SSLContext) -> None:
    mailbox = Mailbox()
    options = {"tls_context": tls_context, "require_starttls": True, "authenticator": authenticator}
    for port in smtp_server(mailbox, **options):
        good = channel(port, security="starttls", username="pager", password="correct horse")
        assert (await sender(good).send(page())).ok
        bad = channel(port, security="starttls", username="pager", password="wrong")
        refused = await sender(bad).send(page())
        assert not refused.ok and not refused.retryable and refused.status_code == 535
        plain = await sender(channel(port)).send(page())  # the server insists on STARTTLS
        assert not plain.ok
    assert len(mailbox.messages) == 1 and mailbox.messages[0]["To"] == "oncall@example.test"


async def test_implicit_tls(tls_context: ssl.SSLContext) -> None:
    mailbox = Mailbox()
    for port in smtp_server(mailbox, ssl_context=tls_context):
        assert (await sender(channel(port, security="tls")).send(page())).ok
    assert len(mailbox.messages) == 1


async def test_a_refused_recipient_is_final_and_an_absent_server_is_retried() -> None:
    mailbox = Mailbox(refuse={"gone@example.test"})
    for port in smtp_server(mailbox):
        refused = await sender(channel(port)).send(page(address="gone@example.test"))
    assert not refused.ok and not refused.retryable and "550" in (refused.error or "")
    down = await sender(channel(free_port(), timeout_s=2)).send(page())
    assert not down.ok and down.retryable
    assert mailbox.messages == []
