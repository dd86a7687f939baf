"""One sender per configured channel, by the channel's type."""

from __future__ import annotations

import httpx
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import (
    AnyChannel,
    ChatChannel,
    EmailChannel,
    TocsinConfig,
    WebhookChannel,
)

from ..action_links import ActionLinks
from ..ports import Channel
from .chat import ChatSender
from .email import EmailSender
from .webhook import WebhookSender


def sender(
    channel: AnyChannel, *, client: httpx.AsyncClient, clock: Clock, links: ActionLinks
) -> Channel:
    match channel:
        case WebhookChannel():
            return WebhookSender(channel, client=client, clock=clock, links=links)
        case ChatChannel():
            return ChatSender(channel, client=client, clock=clock, links=links)
        case EmailChannel():
            return EmailSender(channel, clock=clock, links=links)


def senders(
    config: TocsinConfig, *, client: httpx.AsyncClient, clock: Clock, links: ActionLinks
) -> dict[str, Channel]:
    return {c.name: sender(c, client=client, clock=clock, links=links) for c in config.channels}
