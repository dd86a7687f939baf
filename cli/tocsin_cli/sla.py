"""`tocsin sla report`: SLA compliance, in-flight breaches, MTTA and MTTR from the SLA monitor."""

from __future__ import annotations

import argparse
import json
from typing import Any

import httpx

from .errors import CliError
from .settings import CliSettings

EXIT_UNREACHABLE = 3
EXIT_AUTH = 4
_COLUMNS = ("service", "severity", "met", "breached", "cancelled", "compliance", "in_flight")
_STATS = ("mtta", "mttr")


def add_parser(commands: Any) -> None:
    sla = commands.add_parser("sla", help="SLA clocks")
    actions = sla.add_subparsers(dest="sla_command", required=True, metavar="ACTION")
    report = actions.add_parser(
        "report",
        help="compliance, in-flight breaches, MTTA and MTTR per service and severity",
        epilog="exit status: 0 done, 1 other error, 2 usage, 3 API unreachable, 4 token refused",
    )
    report.add_argument(
        "--url", dest="sla_url", help="SLA monitor base URL (default http://127.0.0.1:<its port>)"
    )
    report.add_argument("--token", dest="api_token", help="API token (env TOCSIN_API_TOKEN)")
    report.add_argument("--from", dest="start", help="ISO 8601 with offset (default: 30 days ago)")
    report.add_argument("--to", dest="end", help="ISO 8601 with offset (default: now)")
    report.add_argument("--service")
    report.add_argument("--json", action="store_true", help="print the API's JSON")


def run_sla(
    args: argparse.Namespace, settings: CliSettings, *, client: httpx.Client | None = None
) -> int:
    url = args.sla_url or f"http://127.0.0.1:{settings.sla_monitor_port}"
    token = settings.api_token.get_secret_value() if settings.api_token else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"from": args.start, "to": args.end, "service": args.service}
    own = client is None
    http = client or httpx.Client(base_url=url, timeout=30.0)
    try:
        body = _get(http, url, headers, {k: v for k, v in params.items() if v})
    finally:
        if own:
            http.close()
    print(json.dumps(body, indent=2, sort_keys=True) if args.json else render(body))
    return 0


def _get(http: httpx.Client, url: str, headers: dict[str, str], params: dict[str, str]) -> Any:
    try:
        response = http.get("/v1/sla/report", headers=headers, params=params)
    except httpx.TransportError as exc:
        raise CliError(
            f"cannot reach the SLA monitor at {url} ({type(exc).__name__}); is it running? (--url)",
            exit_code=EXIT_UNREACHABLE,
        ) from None
    if response.status_code in (401, 403):
        raise CliError(
            f"{response.status_code}: give a viewer token with --token or TOCSIN_API_TOKEN",
            exit_code=EXIT_AUTH,
        )
    try:
        body = response.json()
    except ValueError:
        raise CliError(f"the SLA monitor answered {response.status_code} without JSON") from None
    if not response.is_success:
        message = body.get("error", {}).get("message", response.reason_phrase)
        raise CliError(f"{response.status_code}: {message}")
    return body


def _num(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def render(body: dict[str, Any]) -> str:
    lines = [
        f"SLA report {body['from']} .. {body['to']}"
        + (f" (service {body['service']})" if body.get("service") else ""),
        f"compliance: {_num(body.get('compliance_percent'), ' %')}"
        f"  (met {body['met']}, breached {body['breached']}, cancelled {body['cancelled']})",
        "",
    ]
    rows = [
        [
            g["service"],
            g["severity"],
            str(g["met"]),
            str(g["breached"]),
            str(g["cancelled"]),
            _num(g["compliance_percent"], " %"),
            str(g["in_flight_breaches"]),
            *(
                f"{_num(g[f'{s}_s']['mean'])}/{_num(g[f'{s}_s']['median'])}/"
                f"{_num(g[f'{s}_s']['p90'])}"
                for s in _STATS
            ),
        ]
        for g in body.get("groups", [])
    ]
    header = [*_COLUMNS, "mtta s (mean/median/p90)", "mttr s (mean/median/p90)"]
    if not rows:
        return "\n".join([*lines, "no SLA data in this window"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    breaches = body.get("in_flight_breaches", [])
    if breaches:
        lines += ["", f"in-flight breaches ({len(breaches)}):"]
        lines += [
            f"  {b['incident_id']}  {b['policy']}  {b['target']}  due {b['due_at']}"
            for b in breaches
        ]
    return "\n".join(lines)
