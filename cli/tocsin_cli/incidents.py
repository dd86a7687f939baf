"""`tocsin incidents list|show|ack|resolve|note`: the incident REST API from a terminal."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from .errors import CliError
from .settings import CliSettings

EXIT_UNREACHABLE = 3
EXIT_AUTH = 4
EXIT_NOT_FOUND = 5
EXIT_CONFLICT = 6

_EPILOG = (
    "exit status: 0 done, 1 other error, 2 usage, 3 API unreachable, 4 token refused (401/403),"
    " 5 no such incident (404), 6 not allowed in the incident's state (409)"
)
_LIST_COLUMNS = ("id", "status", "severity", "service", "alert_count", "triggered_at", "summary")
_SUMMARY_WIDTH = 60


def add_parser(commands: Any) -> None:
    incidents = commands.add_parser(
        "incidents", help="list, show and act on incidents through the API", epilog=_EPILOG
    )
    actions = incidents.add_subparsers(dest="incidents_command", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", dest="api_url", help="incident API base URL (env TOCSIN_API_URL)")
    common.add_argument("--token", dest="api_token", help="API token (env TOCSIN_API_TOKEN)")
    common.add_argument("--json", action="store_true", help="print the API's JSON")

    listing = actions.add_parser("list", parents=[common], help="incidents, newest first")
    listing.add_argument(
        "--status", action="append", help="triggered, acknowledged or resolved (repeatable)"
    )
    listing.add_argument("--service")
    listing.add_argument("--severity", action="append", help="repeatable")
    listing.add_argument("--text", help="case-insensitive match on summary and dedup key")
    listing.add_argument("--limit", type=int, default=50, help="1..500 (default 50)")
    listing.add_argument("--cursor", help="next page: the cursor printed by the previous one")
    for name, text in (
        ("show", "one incident with its timeline and latest alerts"),
        ("ack", "acknowledge"),
        ("resolve", "resolve"),
    ):
        actions.add_parser(name, parents=[common], help=text).add_argument("id")
    note = actions.add_parser("note", parents=[common], help="add a note to the timeline")
    note.add_argument("id")
    note.add_argument("text")


def run_incidents(
    args: argparse.Namespace, settings: CliSettings, *, client: httpx.Client | None = None
) -> int:
    token = settings.api_token.get_secret_value() if settings.api_token else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    own = client is None
    http = client or httpx.Client(base_url=settings.api_url, timeout=15.0)
    try:
        body = _ACTIONS[args.incidents_command](_Api(http, headers, settings.api_url), args)
    finally:
        if own:
            http.close()
    if args.json:
        print(json.dumps(body, indent=2, sort_keys=True))
    else:
        print(_RENDER[args.incidents_command](body))
    return 0


class _Api:
    def __init__(self, http: httpx.Client, headers: dict[str, str], url: str) -> None:
        self._http, self._headers, self._url = http, headers, url

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, headers=self._headers, **kwargs)
        except httpx.TransportError as exc:
            raise CliError(
                f"cannot reach the Tocsin API at {self._url} ({type(exc).__name__}: {exc});"
                " is it running? (--url / TOCSIN_API_URL)",
                exit_code=EXIT_UNREACHABLE,
            ) from None
        if not response.is_success:
            raise _failure(response)
        try:
            return response.json()
        except ValueError:
            raise CliError(f"the API answered {response.status_code} without JSON") from None


def _failure(response: httpx.Response) -> CliError:
    try:
        error = response.json().get("error", {})
        message = str(error.get("message") or response.reason_phrase)
        details = "; ".join(f"{d['field']}: {d['message']}" for d in error.get("details", []))
    except (ValueError, AttributeError, KeyError, TypeError):
        message, details = response.reason_phrase, ""
    message = f"{message} ({details})" if details else message
    status = response.status_code
    if status == 401:
        return CliError(
            f"401 unauthenticated: {message}; give a token with --token or TOCSIN_API_TOKEN",
            exit_code=EXIT_AUTH,
        )
    if status == 403:
        return CliError(f"403 forbidden: {message}", exit_code=EXIT_AUTH)
    if status == 404:
        return CliError(f"404 not found: {message}", exit_code=EXIT_NOT_FOUND)
    if status == 409:
        return CliError(f"409 conflict: {message}", exit_code=EXIT_CONFLICT)
    return CliError(f"{status} {response.reason_phrase}: {message}")


def _list(api: _Api, args: argparse.Namespace) -> Any:
    params: dict[str, Any] = {
        "status": _split(args.status),
        "severity": _split(args.severity),
        "service": args.service,
        "text": args.text,
        "limit": args.limit,
        "cursor": args.cursor,
    }
    given = {k: v for k, v in params.items() if v is not None and v != []}
    return api.call("GET", "/v1/incidents", params=given)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def _incident(args: argparse.Namespace) -> str:
    try:
        incident_id = UUID(args.id)
    except ValueError:
        raise CliError(f"{args.id!r} is not an incident id (a UUID)", exit_code=2) from None
    return f"/v1/incidents/{incident_id}"


def _action(path: str) -> Callable[[_Api, argparse.Namespace], Any]:
    def act(api: _Api, args: argparse.Namespace) -> Any:
        return api.call("POST", f"{_incident(args)}/{path}")

    return act


_ACTIONS: dict[str, Callable[[_Api, argparse.Namespace], Any]] = {
    "list": _list,
    "show": lambda api, args: api.call("GET", _incident(args)),
    "ack": _action("acknowledge"),
    "resolve": _action("resolve"),
    "note": lambda api, args: api.call(
        "POST", f"{_incident(args)}/notes", json={"text": args.text}
    ),
}


def table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = [[c.upper() for c in columns], *cells]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def _cell(value: Any) -> str:
    text = "-" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= _SUMMARY_WIDTH else text[: _SUMMARY_WIDTH - 1] + "…"


def _render_list(body: Any) -> str:
    incidents = body.get("incidents", [])
    if not incidents:
        return "no incidents"
    out = table(incidents, _LIST_COLUMNS)
    if body.get("next_cursor"):
        out += f"\nmore: tocsin incidents list --cursor {body['next_cursor']} (same filters)"
    return out


def _render_show(body: Any) -> str:
    skip = {"timeline", "alerts", "labels"}
    lines = [f"{k}: {_cell(v)}" for k, v in body.items() if k not in skip]
    lines += [f"labels: {json.dumps(body.get('labels', {}), sort_keys=True)}", "", "timeline:"]
    lines.append(table(body.get("timeline", []), ("at", "kind", "actor_kind", "actor_id")))
    shown, total = len(body.get("alerts", [])), body.get("alerts_total", 0)
    lines += ["", f"alerts (latest {shown} of {total}):"]
    lines.append(table(body.get("alerts", []), ("received_at", "action", "outcome", "summary")))
    return "\n".join(lines)


def _render_done(body: Any) -> str:
    return ", ".join(f"{k}: {v}" for k, v in body.items()) if isinstance(body, dict) else str(body)


_RENDER: dict[str, Callable[[Any], str]] = {
    "list": _render_list,
    "show": _render_show,
    "ack": _render_done,
    "resolve": _render_done,
    "note": _render_done,
}
