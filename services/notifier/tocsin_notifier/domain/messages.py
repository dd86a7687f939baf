"""A page rendered for each kind of channel: Slack Block Kit, Teams Adaptive Card, Mattermost
attachments, Discord embeds, and an email's subject, plain text and HTML.

Every rendering carries the summary, severity, service, incident link, the known workaround when
there is one, and the one-click acknowledge / resolve links when they could be signed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from .workarounds import FOLLOW_UP

_COLOURS = {"critical": "#d32f2f", "error": "#f57c00", "warning": "#fbc02d", "info": "#1976d2"}


@dataclass(frozen=True)
class Page:
    summary: str
    severity: str
    service: str
    url: str
    status: str
    workaround: str | None
    late: bool
    links: Mapping[str, str]  # action name → signed URL
    follow_up: bool = False  # the known workaround, sent after the page itself

    @classmethod
    def of(cls, payload: Mapping[str, Any], links: Mapping[str, str]) -> Page:
        incident: Mapping[str, Any] = payload.get("incident", {})
        escalation: Mapping[str, Any] = payload.get("escalation", {})
        return cls(
            summary=str(incident.get("summary", "")),
            severity=str(incident.get("severity", "")),
            service=str(incident.get("service", "")),
            url=str(incident.get("url", "")),
            status=str(incident.get("status", "")),
            workaround=incident.get("workaround"),
            late=bool(escalation.get("late", False)),
            links=links,
            follow_up=payload.get("type") == FOLLOW_UP,
        )

    @property
    def title(self) -> str:
        if self.follow_up:
            return f"Known workaround for {self.summary}"
        late = " (late)" if self.late else ""
        return f"[{self.severity.upper()}] {self.service}: {self.summary}{late}"

    @property
    def colour(self) -> str:
        return _COLOURS.get(self.severity, "#616161")

    def actions(self) -> list[tuple[str, str]]:
        found = [("Open incident", self.url)] if self.url else []
        names = {"acknowledge": "Acknowledge", "resolve": "Resolve"}
        return found + [(names.get(k, k.title()), v) for k, v in self.links.items()]

    def facts(self) -> list[tuple[str, str]]:
        facts = [("Severity", self.severity), ("Service", self.service), ("Status", self.status)]
        return facts + ([("Known workaround", self.workaround)] if self.workaround else [])


def slack(page: Page) -> dict[str, Any]:
    fields = [{"type": "mrkdwn", "text": f"*{k}*\n{v}"[:2000]} for k, v in page.facts()]
    buttons = [
        {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}
        for label, url in page.actions()
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": page.title[:150]}},
        {"type": "section", "fields": fields[:10]},
    ]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons[:25]})
    return {"text": page.title, "blocks": blocks}


def teams(page: Page) -> dict[str, Any]:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": page.title,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            },
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in page.facts()]},
        ],
        "actions": [
            {"type": "Action.OpenUrl", "title": label, "url": url} for label, url in page.actions()
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _markdown_links(page: Page) -> str:
    return " · ".join(f"[{label}]({url})" for label, url in page.actions())


def mattermost(page: Page) -> dict[str, Any]:
    attachment = {
        "fallback": page.title,
        "color": page.colour,
        "title": page.title,
        "title_link": page.url,
        "fields": [
            {"title": k, "value": v, "short": k != "Known workaround"} for k, v in page.facts()
        ],
        "text": _markdown_links(page),
    }
    return {"text": page.title, "attachments": [attachment]}


def discord(page: Page) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": page.title[:256],
        "color": int(page.colour.lstrip("#"), 16),
        "description": _markdown_links(page)[:4096],
        "fields": [{"name": k, "value": v[:1024] or "-", "inline": True} for k, v in page.facts()],
    }
    if page.url:
        embed["url"] = page.url
    return {"content": page.title[:2000], "embeds": [embed]}


CHAT: dict[str, Callable[[Page], dict[str, Any]]] = {
    "slack": slack,
    "teams": teams,
    "mattermost": mattermost,
    "discord": discord,
}


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def email(page: Page) -> Email:
    facts = "\n".join(f"{k}: {v}" for k, v in page.facts())
    actions = "\n".join(f"{label}: {url}" for label, url in page.actions())
    text = f"{page.title}\n\n{facts}\n\n{actions}\n"
    rows = "".join(
        f"<tr><th align='left'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in page.facts()
    )
    buttons = " ".join(
        f"<a href='{escape(url, quote=True)}' style='padding:6px 12px;margin-right:8px;"
        f"border:1px solid {page.colour};text-decoration:none'>{escape(label)}</a>"
        for label, url in page.actions()
    )
    html = (
        "<!doctype html><html><body style='font-family:sans-serif'>"
        f"<h2 style='color:{page.colour}'>{escape(page.title)}</h2>"
        f"<table>{rows}</table><p>{buttons}</p></body></html>"
    )
    return Email(subject=page.title, text=text, html=html)
