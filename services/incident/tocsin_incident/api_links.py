"""One-click acknowledge / resolve links from a page: GET shows a confirmation page (mail
scanners prefetch links and must not act), POST acts. The signed token is the credential."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from tocsin_shared.clock import Clock
from tocsin_shared.links import ActionClaim, LinkAction, LinkError, verify_action

from .deps import Deps
from .domain.model import IllegalTransition, Incident
from .handlers.commands import IncidentNotFound
from .handlers.links import LinkUsed, follow_link, inspect_link, link_actor
from .ports import LinkUnitOfWork

_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_DONE = {LinkAction.ACKNOWLEDGE: "acknowledged", LinkAction.RESOLVE: "resolved"}
_REFUSALS: dict[int | str, dict[str, object]] = {
    403: {"description": "The link is forged or mangled (an HTML page says so)"},
    404: {"description": "No such incident, or links are not enabled"},
    409: {"description": "The incident is already past what the link would do"},
    410: {"description": "The link has expired or was already used (and when)"},
}


class _Refused(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def _page(status: int, title: str, body: str) -> HTMLResponse:
    html = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)} · Tocsin</title></head>"
        "<body style='font-family:sans-serif;max-width:36em;margin:2em auto'>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _about(incident: Incident) -> str:
    return (
        f"<p><strong>{escape(incident.summary or incident.dedup_key)}</strong></p>"
        f"<p>Service {escape(incident.service)}, severity {escape(incident.severity.value)},"
        f" now {escape(incident.status.value)}.</p>"
    )


def _verified(secret: str | None, token: str, *, now: datetime) -> ActionClaim:
    if not secret:
        raise _Refused(404, "Links are not enabled", "One-click links are not enabled here.")
    try:
        return verify_action(secret, token, now=now)
    except LinkError as exc:
        if exc.reason == "expired":
            raise _Refused(410, "Link expired", "This link has expired.") from None
        raise _Refused(403, "Invalid link", "This link is not valid.") from None


def _refusal(exc: Exception) -> _Refused:
    if isinstance(exc, LinkUsed):
        return _Refused(
            410, "Link already used", f"This link was already used on {_when(exc.used_at)}."
        )
    if isinstance(exc, IncidentNotFound):
        return _Refused(404, "No such incident", "The incident this link is for does not exist.")
    if isinstance(exc, IllegalTransition):
        return _Refused(
            409,
            "Nothing to do",
            f"This incident cannot be {exc.command.value}d now: it is {exc.status.value}.",
        )
    raise exc


def router(deps: Deps) -> APIRouter:
    secret = deps.settings.action_link_secret
    return links_router(
        secret=secret.get_secret_value() if secret else None,
        uow_factory=deps.link_uow,
        clock=deps.clock,
    )


def links_router(
    *, secret: str | None, uow_factory: Callable[[], LinkUnitOfWork], clock: Clock
) -> APIRouter:
    api = APIRouter(prefix="/v1/links", tags=["links"])

    @api.get("/{token}", response_class=HTMLResponse, responses=_REFUSALS)
    async def confirm(token: str) -> HTMLResponse:
        try:
            claim = _verified(secret, token, now=clock.now())
            try:
                incident = await inspect_link(claim, uow_factory=uow_factory)
            except (LinkUsed, IncidentNotFound, IllegalTransition) as exc:
                raise _refusal(exc) from None
        except _Refused as no:
            return _page(no.status, no.title, f"<p>{escape(no.message)}</p>")
        verb = claim.action.value.capitalize()
        form = (
            "<form method='post'><button type='submit' style='font-size:1.2em'>"
            f"{escape(verb)} as {escape(link_actor(claim).id)}</button></form>"
        )
        return _page(200, f"{verb} this incident?", _about(incident) + form)

    @api.post("/{token}", response_class=HTMLResponse, responses=_REFUSALS)
    async def act(token: str) -> HTMLResponse:
        try:
            claim = _verified(secret, token, now=clock.now())
            try:
                incident = await follow_link(claim, uow_factory=uow_factory, clock=clock)
            except (LinkUsed, IncidentNotFound, IllegalTransition) as exc:
                raise _refusal(exc) from None
        except _Refused as no:
            return _page(no.status, no.title, f"<p>{escape(no.message)}</p>")
        done = _DONE[claim.action]
        message = f"<p>Incident {done} by {escape(link_actor(claim).id)}.</p>"
        return _page(200, f"Incident {done}", _about(incident) + message)

    return api
