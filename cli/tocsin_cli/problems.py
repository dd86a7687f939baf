"""`tocsin problems …`: problems, links, tasks, known errors and suggestions through the problem
service's REST API."""

from __future__ import annotations

import argparse
import json
from typing import Any

import httpx

from .problem_correlation import add_correlation_commands
from .problems_client import Api, Call, a_problem, an_id, given, patch, render
from .problems_work import add_work_commands
from .settings import CliSettings

EPILOG = (
    "A problem is named by its id or its number (PRB12). Exit status: 0 done, 1 other error,"
    " 2 usage, 3 API unreachable, 4 token refused (401/403), 5 not found (404),"
    " 6 not allowed in its state or linked elsewhere (409)"
)
_FIELDS = (
    "description",
    "service",
    "component",
    "category",
    "impact",
    "urgency",
    "priority",
    "assignee",
    "workaround",
    "cause_notes",
    "cause_code",
    "fix_notes",
)


def add_problem_commands(commands: Any) -> None:
    """The whole `tocsin problems` parser, correlation's subcommands included."""
    problems = commands.add_parser("problems", help="problem management through the API")
    actions = problems.add_subparsers(dest="problems_command", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", dest="problem_url", help="problem service URL (default 127.0.0.1, its port)"
    )
    common.add_argument("--token", dest="api_token", help="API token (env TOCSIN_API_TOKEN)")
    common.add_argument("--json", action="store_true", help="print the API's JSON")

    def add(name: str, text: str, call: Call, *args: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, parents=[common], help=text, epilog=EPILOG
        )
        for arg in args:
            parser.add_argument(arg)
        parser.set_defaults(problems_call=call)
        return parser

    listing = add("list", "problems, newest first", _list)
    listing.add_argument("--state", action="append", help="repeatable")
    for option in ("--service", "--assignee", "--origin"):
        listing.add_argument(option)
    listing.add_argument("--limit", type=int, default=50, help="1..500 (default 50)")
    listing.add_argument("--offset", type=int, default=0)
    add("show", "one problem with links, tasks, known errors", _get(""), "problem")
    add("history", "every change to a problem, with its actor", _get("/history"), "problem")
    create = add("create", "open a problem by hand", _create, "statement")
    update = add("update", "edit a problem's fields", _update, "problem")
    update.add_argument("--statement")
    for name in _FIELDS:
        for parser in (create, update):
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name)
    act = add("act", "assess, analyse, start_fix, resolve, reanalyse, close", _act, "problem")
    act.add_argument("action")
    act.add_argument("--resolution", help="fix_applied, risk_accepted, duplicate, cancelled")
    act.add_argument("--duplicate-of", help="the surviving problem (with --resolution duplicate)")
    link = add("link", "link an incident", _link, "problem", "incident")
    link.add_argument("--note")
    link.add_argument("--move", action="store_true", help="move it from the problem it is on")
    add("unlink", "unlink an incident", _unlink, "problem", "incident")
    add("incident", "which problem an incident is linked to, and why", _incident, "incident")
    add_work_commands(actions, common, epilog=EPILOG)
    # Correlation's own subcommands (backtest, evaluate): each sets `problems_run`.
    add_correlation_commands(actions)


def run_problems(
    args: argparse.Namespace, settings: CliSettings, *, client: httpx.Client | None = None
) -> int:
    own_run = getattr(args, "problems_run", None)
    if own_run is not None:
        code: int = own_run(args, settings)
        return code
    url = args.problem_url or f"http://127.0.0.1:{settings.problem_port}"
    token = settings.api_token.get_secret_value() if settings.api_token else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    own = client is None
    http = client or httpx.Client(base_url=url, timeout=15.0)
    try:
        body = args.problems_call(Api(http, headers, url), args)
    finally:
        if own:
            http.close()
    print(json.dumps(body, indent=2, sort_keys=True) if args.json else render(body))
    return 0


def _problem(args: argparse.Namespace) -> str:
    return f"/v1/problems/{a_problem(args.problem)}"


def _list(api: Api, args: argparse.Namespace) -> Any:
    params = {**given(args, ("service", "assignee", "origin", "limit", "offset"))}
    if args.state:
        params["state"] = args.state
    return api.call("GET", "/v1/problems", params=params)


def _get(suffix: str) -> Call:
    return lambda api, args: api.call("GET", f"{_problem(args)}{suffix}")


def _create(api: Api, args: argparse.Namespace) -> Any:
    body = {"statement": args.statement, **given(args, _FIELDS)}
    return api.call("POST", "/v1/problems", json=body)


def _update(api: Api, args: argparse.Namespace) -> Any:
    args.id = args.problem
    return patch("/v1/problems", ("statement", *_FIELDS))(api, args)


def _act(api: Api, args: argparse.Namespace) -> Any:
    body = given(args, ("resolution", "duplicate_of"))
    return api.call("POST", f"{_problem(args)}/actions/{args.action}", json=body or None)


def _link(api: Api, args: argparse.Namespace) -> Any:
    body = {"incident_id": an_id(args.incident), "move": args.move, **given(args, ("note",))}
    return api.call("POST", f"{_problem(args)}/links", json=body)


def _unlink(api: Api, args: argparse.Namespace) -> Any:
    return api.call("DELETE", f"{_problem(args)}/links/{an_id(args.incident)}")


def _incident(api: Api, args: argparse.Namespace) -> Any:
    return api.call("GET", f"/v1/incidents/{an_id(args.incident)}/problem")
