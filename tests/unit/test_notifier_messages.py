"""Every channel's rendering of a page carries what the on-call engineer needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from tocsin_notifier.action_links import ActionLinks
from tocsin_notifier.adapters.chat import ChatSender
from tocsin_notifier.domain.ledger import Notification
from tocsin_notifier.domain.messages import CHAT, Page, email
from tocsin_shared.clock import FakeClock
from tocsin_shared.config.models import ChatChannel
from tocsin_shared.links import LinkAction, verify_action

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PAYLOAD: dict[str, Any] = {
    "incident": {
        "summary": "database down",
        "severity": "critical",
        "service": "checkout",
        "status": "triggered",
        "url": "http://inc/v1/incidents/1",
        "workaround": "fail over to the replica",
    },
    "escalation": {"late": True},
}
LINKS = {"acknowledge": "http://inc/v1/links/ACK", "resolve": "http://inc/v1/links/RES"}
MUST_CARRY = [
    "database down",
    "CRITICAL",
    "checkout",
    "http://inc/v1/incidents/1",
    "fail over to the replica",
    "http://inc/v1/links/ACK",
    "http://inc/v1/links/RES",
    "(late)",
]


@pytest.mark.parametrize("kind", sorted(CHAT))
def test_every_chat_format_carries_the_essentials(kind: str) -> None:
    text = json.dumps(CHAT[kind](Page.of(PAYLOAD, LINKS)))
    for needed in MUST_CARRY:
        assert needed in text, (kind, needed)


def test_slack_is_block_kit_with_url_buttons() -> None:
    message = CHAT["slack"](Page.of(PAYLOAD, LINKS))
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "actions"]
    buttons = message["blocks"][2]["elements"]
    assert {b["text"]["text"]: b["url"] for b in buttons}["Acknowledge"] == LINKS["acknowledge"]


def test_teams_is_an_adaptive_card() -> None:
    attachment = CHAT["teams"](Page.of(PAYLOAD, LINKS))["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert {a["type"] for a in card["actions"]} == {"Action.OpenUrl"}


def test_email_has_readable_text_and_escaped_html() -> None:
    payload = {**PAYLOAD, "incident": {**PAYLOAD["incident"], "summary": "<script>x</script>"}}
    rendered = email(Page.of(payload, LINKS))
    assert "Known workaround: fail over to the replica" in rendered.text
    assert "Acknowledge: http://inc/v1/links/ACK" in rendered.text
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<script>x</script>" in rendered.subject


def test_a_page_without_workaround_or_links_leaves_them_out() -> None:
    payload = {"incident": {k: v for k, v in PAYLOAD["incident"].items() if k != "workaround"}}
    page = Page.of(payload, {})
    assert "Known workaround" not in email(page).text
    assert page.actions() == [("Open incident", "http://inc/v1/incidents/1")]
    assert "(late)" not in page.title


async def test_the_chat_sender_posts_the_rendering_with_signed_links_and_the_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    now = datetime(2026, 3, 1, tzinfo=UTC)
    incident = uuid4()
    links = ActionLinks(secret="s3", base_url="http://inc", ttl=timedelta(hours=1))
    channel = ChatChannel(name="chat", type="slack", url="http://hooks/x")
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        sender = ChatSender(channel, client=client, clock=FakeClock(now), links=links)
        n = Notification.request(
            incident_id=incident,
            level=0,
            target="chat",
            channel="chat",
            cycle=0,
            payload=PAYLOAD,
            at=now,
        )
        assert (await sender.send(n)).ok
    assert seen[0].headers["idempotency-key"] == n.idempotency_key
    buttons = json.loads(seen[0].content)["blocks"][2]["elements"]
    ack = next(b["url"] for b in buttons if b["text"]["text"] == "Acknowledge")
    claim = verify_action("s3", ack.rsplit("/", 1)[1], now=now)
    assert (claim.incident_id, claim.action) == (incident, LinkAction.ACKNOWLEDGE)


@pytest.mark.parametrize(
    ("code", "retryable"), [(500, True), (429, True), (400, False), (404, False)]
)
async def test_chat_failures_are_retried_only_when_they_may_pass(
    code: int, retryable: bool
) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(code))
    channel = ChatChannel(name="chat", type="teams", url="http://hooks/x")
    async with httpx.AsyncClient(transport=transport) as client:
        sender = ChatSender(channel, client=client, clock=FakeClock())
        n = Notification.request(
            incident_id=uuid4(),
            level=0,
            target="c",
            channel="chat",
            cycle=0,
            payload=PAYLOAD,
            at=FakeClock().now(),
        )
        result = await sender.send(n)
    assert not result.ok and result.retryable is retryable and result.status_code == code


async def test_a_channel_can_ask_for_a_4xx_to_be_retried() -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(404))
    channel = ChatChannel(name="chat", type="slack", url="http://hooks/x", retry_4xx=[404])
    async with httpx.AsyncClient(transport=transport) as client:
        sender = ChatSender(channel, client=client, clock=FakeClock())
        n = Notification.request(
            incident_id=uuid4(),
            level=0,
            target="c",
            channel="chat",
            cycle=0,
            payload=PAYLOAD,
            at=NOW,
        )
        result = await sender.send(n)
    assert not result.ok and result.retryable


def test_links_on_a_page_to_a_person_act_as_that_person() -> None:
    links = ActionLinks(secret="s4", base_url="http://inc", ttl=timedelta(hours=1))

    def page(recipient: object) -> Notification:
        return Notification.request(
            incident_id=uuid4(),
            level=0,
            target="ann/mail",
            channel="mail",
            cycle=0,
            payload={**PAYLOAD, "recipient": recipient},
            at=NOW,
        )

    for recipient, user in (({"target": "ann/mail", "user": "ann"}, "ann"), (None, None)):
        made = links.for_page(page(recipient), now=NOW)
        claim = verify_action("s4", made["resolve"].rsplit("/", 1)[1], now=NOW)
        assert (claim.action, claim.user) == (LinkAction.RESOLVE, user)
