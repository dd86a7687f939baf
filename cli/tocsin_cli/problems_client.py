"""The problem service's REST API as `tocsin problems` uses it: calls, failures, rendering."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from .errors import CliError
from .incidents import _failure as failure_of
from .incidents import table

EXIT_UNREACHABLE = 3
_PROBLEM_REF = re.compile(r"(?i)(prb)?\d{1,18}")
_TABLES: dict[str, tuple[str, ...]] = {
    "problems": ("number", "state", "service", "assignee", "origin", "statement"),
    "known_errors": ("id", "state", "title", "problem_id"),
    "suggestions": ("id", "status", "score", "problem_id", "incident_id", "template"),
    "history": ("occurred_at", "type", "actor"),
}


class Api:
    def __init__(self, http: httpx.Client, headers: dict[str, str], url: str) -> None:
        self._http, self._headers, self._url = http, headers, url

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, headers=self._headers, **kwargs)
        except httpx.TransportError as exc:
            raise CliError(
                f"cannot reach the problem service at {self._url} ({type(exc).__name__}: {exc});"
                " is it running? (--url)",
                exit_code=EXIT_UNREACHABLE,
            ) from None
        if not response.is_success:
            raise failure_of(response)
        if response.status_code == 204:
            return {"done": True}
        try:
            return response.json()
        except ValueError:
            raise CliError(f"the API answered {response.status_code} without JSON") from None


Call = Callable[[Api, argparse.Namespace], Any]


def given(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    """The options given on the command line (None means not given)."""
    return {n: v for n in names if (v := getattr(args, n, None)) is not None}


def an_id(value: str) -> str:
    try:
        return str(UUID(value))
    except ValueError:
        raise CliError(f"{value!r} is not an id (a UUID)", exit_code=2) from None


def a_problem(value: str) -> str:
    """A problem's id or number, safe to put in a path."""
    if _PROBLEM_REF.fullmatch(value):
        return value
    return an_id(value)


def on_id(prefix: str, suffix: str = "", *, post: bool = False) -> Call:
    def call(api: Api, args: argparse.Namespace) -> Any:
        return api.call("POST" if post else "GET", f"{prefix}/{an_id(args.id)}{suffix}")

    return call


def patch(prefix: str, names: tuple[str, ...]) -> Call:
    def call(api: Api, args: argparse.Namespace) -> Any:
        changes = given(args, names)
        if not changes:
            raise CliError("nothing to change: give at least one option", exit_code=2)
        return api.call("PATCH", f"{prefix}/{a_problem(args.id)}", json=changes)

    return call


def render(body: Any) -> str:
    if not isinstance(body, dict):
        return str(body)
    for key, columns in _TABLES.items():
        if isinstance(body.get(key), list):
            rows = [{**r, "actor": _actor(r["actor"])} if "actor" in r else r for r in body[key]]
            return table(rows, columns) if rows else f"no {key.replace('_', ' ')}"
    lines = []
    for key, value in body.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{key}:")
            lines += [f"  - {json.dumps(item, sort_keys=True)}" for item in value]
        elif isinstance(value, dict):
            lines.append(f"{key}: {json.dumps(value, sort_keys=True)}")
        else:
            lines.append(f"{key}: {'-' if value is None else value}")
    return "\n".join(lines)


def _actor(actor: Any) -> str:
    return f"{actor.get('kind')}:{actor.get('id')}" if isinstance(actor, dict) else str(actor)
