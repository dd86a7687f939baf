"""Email over SMTP (aiosmtplib): plain text and HTML, STARTTLS / implicit TLS / none, auth.

The Message-ID is derived from the idempotency key, so a copy re-sent after a crash is the same
message to any mail system that de-duplicates by Message-ID."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import EmailChannel
from tocsin_shared.signing import IDEMPOTENCY_HEADER

from ..action_links import NO_LINKS, ActionLinks
from ..domain.ledger import Notification
from ..domain.messages import Page, email
from ..ports import DeliveryResult


def recipients(channel: EmailChannel, notification: Notification) -> list[str]:
    recipient = notification.payload.get("recipient")
    address = recipient.get("address") if isinstance(recipient, dict) else None
    return [address] if address else list(channel.to)


class EmailSender:
    def __init__(
        self, channel: EmailChannel, *, clock: Clock, links: ActionLinks = NO_LINKS
    ) -> None:
        self._channel = channel
        self._clock = clock
        self._links = links

    def message(self, notification: Notification, to: list[str]) -> EmailMessage:
        now = self._clock.now()
        rendered = email(Page.of(notification.payload, self._links.for_page(notification, now=now)))
        message = EmailMessage()
        message["From"] = self._channel.from_address
        message["To"] = ", ".join(to)
        message["Subject"] = rendered.subject
        message["Date"] = formatdate(now.timestamp(), usegmt=True)
        digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@tocsin>"
        message[IDEMPOTENCY_HEADER] = notification.idempotency_key
        message.set_content(rendered.text)
        message.add_alternative(rendered.html, subtype="html")
        return message

    async def send(self, notification: Notification) -> DeliveryResult:
        to = recipients(self._channel, notification)
        if not to:
            return DeliveryResult(ok=False, error="no email address to send to", retryable=False)
        c = self._channel
        try:
            await aiosmtplib.send(
                self.message(notification, to),
                hostname=c.host,
                port=c.port,
                username=c.username,
                password=c.password.get_secret_value() if c.password else None,
                use_tls=c.security == "tls",
                start_tls=c.security == "starttls",
                validate_certs=c.validate_certs,
                timeout=c.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            error = "; ".join(f"{r.recipient}: SMTP {r.code} {r.message}" for r in exc.recipients)
            permanent = all(500 <= code < 600 for code in codes)
            return DeliveryResult(
                ok=False,
                status_code=codes[0] if codes else None,
                error=error,
                retryable=not permanent,
            )
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx is the server's final word (bad address, refused); 4xx means try later.
            permanent = 500 <= exc.code < 600
            return DeliveryResult(
                ok=False,
                status_code=exc.code,
                error=f"SMTP {exc.code}: {exc.message}",
                retryable=not permanent,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}", retryable=True)
        return DeliveryResult(ok=True, status_code=250)
