"""`tocsin problems tasks|known-errors|suggestions …`."""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

from .errors import CliError
from .problems_client import Api, a_problem, an_id, given, on_id, patch

_TASKS = "/v1/problem-tasks"
_KNOWN = "/v1/known-errors"


def add_work_commands(actions: Any, common: argparse.ArgumentParser, *, epilog: str) -> None:
    def group(name: str, text: str, dest: str) -> Any:
        parser = actions.add_parser(name, help=text, epilog=epilog)
        return parser.add_subparsers(dest=dest, required=True, metavar="ACTION")

    def verb(sub: Any, name: str, text: str, call: Any, *args: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(
            name, parents=[common], help=text, epilog=epilog
        )
        for arg in args:
            parser.add_argument(arg)
        parser.set_defaults(problems_call=call)
        return parser

    tasks = group("tasks", "problem tasks", "task_command")
    task_add = verb(tasks, "add", "add a task to a problem", _task_add, "problem", "title")
    task_add.add_argument("--kind", default="general", help="root_cause_analysis or general")
    task_update = verb(tasks, "update", "edit a task", patch(_TASKS, _TASK_FIELDS), "id")
    task_update.add_argument("--title")
    for parser in (task_add, task_update):
        parser.add_argument("--description")
        parser.add_argument("--assignee")
    verb(tasks, "show", "one task", on_id(_TASKS), "id")
    for name in ("start", "complete", "cancel"):
        verb(tasks, name, f"{name} a task", on_id(_TASKS, f"/actions/{name}", post=True), "id")

    known = group("known-errors", "known errors: signature, root cause, workaround", "ke_command")
    listing = verb(known, "list", "known errors, newest first", _known_list)
    listing.add_argument("--state", help="draft, published or retired")
    listing.add_argument("--problem", help="of one problem (id or PRB<n>)")
    create = verb(known, "create", "a draft known error of a problem", _known_create, "problem")
    update = verb(known, "update", "edit a known error", _known_update, "id")
    for parser in (create, update):
        required = parser is create
        parser.add_argument("--title", required=required)
        parser.add_argument("--pattern", required=required, help="a summary; <*> = any words")
        parser.add_argument("--service", help="only this service's incidents")
        parser.add_argument("--label", action="append", default=[], help="key=value, repeatable")
        parser.add_argument("--workaround", required=required)
        parser.add_argument("--root-cause", dest="root_cause")
    verb(known, "show", "one known error", on_id(_KNOWN), "id")
    for name in ("publish", "retire"):
        verb(
            known, name, f"{name} a known error", on_id(_KNOWN, f"/actions/{name}", post=True), "id"
        )

    suggestions = group("suggestions", "link suggestions below the auto-link bar", "sg_command")
    s_list = verb(suggestions, "list", "suggestions, newest first", _suggestion_list)
    s_list.add_argument("--status", default="pending", help="pending (default), accepted, …")
    for name in ("accept", "reject"):
        call = on_id("/v1/problem-suggestions", f"/{name}", post=True)
        verb(suggestions, name, f"{name} a suggestion", call, "id")


_TASK_FIELDS = ("title", "description", "assignee")


def _task_add(api: Api, args: argparse.Namespace) -> Any:
    body = {"title": args.title, "kind": args.kind, **given(args, ("description", "assignee"))}
    return api.call("POST", f"/v1/problems/{a_problem(args.problem)}/tasks", json=body)


def _known_list(api: Api, args: argparse.Namespace) -> Any:
    params = given(args, ("state",))
    if args.problem:
        params["problem_id"] = _problem_id(api, args.problem)
    return api.call("GET", _KNOWN, params=params)


def _signature(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.pattern is None:
        if args.service or args.label:
            raise CliError("--service and --label go with --pattern", exit_code=2)
        return None
    labels = {}
    for item in args.label:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--label {item!r}: give key=value", exit_code=2)
        labels[key] = value
    return {"pattern": args.pattern, "service": args.service, "labels": labels}


def _known_fields(args: argparse.Namespace) -> dict[str, Any]:
    body = given(args, ("title", "workaround", "root_cause"))
    signature = _signature(args)
    return {**body, "signature": signature} if signature else body


def _known_create(api: Api, args: argparse.Namespace) -> Any:
    body = {"problem_id": _problem_id(api, args.problem), **_known_fields(args)}
    return api.call("POST", _KNOWN, json=body)


def _problem_id(api: Api, ref: str) -> str:
    """The id of a problem named by id or number (PRB12)."""
    try:
        return str(UUID(ref))
    except ValueError:
        return str(api.call("GET", f"/v1/problems/{a_problem(ref)}")["id"])


def _known_update(api: Api, args: argparse.Namespace) -> Any:
    body = _known_fields(args)
    if not body:
        raise CliError("nothing to change: give at least one option", exit_code=2)
    return api.call("PATCH", f"{_KNOWN}/{an_id(args.id)}", json=body)


def _suggestion_list(api: Api, args: argparse.Namespace) -> Any:
    return api.call("GET", "/v1/problem-suggestions", params={"status": args.status})
