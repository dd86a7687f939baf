"""`tocsin notifications redrive ID`: re-send a dead-lettered page through the notifier's API."""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

import httpx

from .errors import CliError
from .settings import CliSettings

EXIT_UNREACHABLE = 3
EXIT_AUTH = 4
EXIT_NOT_FOUND = 5
EXIT_CONFLICT = 6
_EXIT_FOR = {401: EXIT_AUTH, 403: EXIT_AUTH, 404: EXIT_NOT_FOUND, 409: EXIT_CONFLICT}


def add_parser(commands: Any) -> None:
    notifications = commands.add_parser(
        "notifications",
        help="the notifier's delivery ledger",
        epilog="exit status: 0 done, 1 other error, 2 usage, 3 unreachable, 4 token refused,"
        " 5 no such notification, 6 not dead-lettered",
    )
    actions = notifications.add_subparsers(
        dest="notifications_command", required=True, metavar="ACTION"
    )
    redrive = actions.add_parser("redrive", help="re-send a dead-lettered notification")
    redrive.add_argument("id")
    redrive.add_argument(
        "--url", dest="notifier_url", help="notifier base URL (default http://127.0.0.1:<port>)"
    )
    redrive.add_argument("--token", dest="api_token", help="admin API token (env TOCSIN_API_TOKEN)")


def run_notifications(
    args: argparse.Namespace, settings: CliSettings, *, client: httpx.Client | None = None
) -> int:
    try:
        notification_id = UUID(args.id)
    except ValueError:
        raise CliError(f"{args.id!r} is not a notification id (a UUID)", exit_code=2) from None
    base = args.notifier_url or f"http://127.0.0.1:{settings.notifier_port}"
    token = args.api_token or (settings.api_token.get_secret_value() if settings.api_token else "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = client or httpx.Client(base_url=base, timeout=15.0)
    try:
        response = http.post(f"/v1/notifications/{notification_id}/redrive", headers=headers)
    except httpx.TransportError as exc:
        raise CliError(
            f"cannot reach the notifier at {base} ({type(exc).__name__}); is it running?",
            exit_code=EXIT_UNREACHABLE,
        ) from None
    finally:
        if client is None:
            http.close()
    if not response.is_success:
        raise CliError(_message(response), exit_code=_EXIT_FOR.get(response.status_code, 1))
    print(f"{notification_id}: {response.json().get('status', 'pending')} (will be re-sent)")
    return 0


def _message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        detail = str(error.get("message") or response.reason_phrase)
    except (ValueError, AttributeError):
        detail = response.reason_phrase
    return f"{response.status_code} {response.reason_phrase}: {detail}"
