"""`tocsin sla report` against a stand-in SLA monitor (httpx MockTransport)."""

from __future__ import annotations

import argparse
from typing import Any

import httpx
import pytest
from tocsin_cli.errors import CliError
from tocsin_cli.main import parser
from tocsin_cli.settings import CliSettings
from tocsin_cli.sla import run_sla

REPORT = {
    "from": "2026-01-01T00:00:00Z",
    "to": "2026-02-01T00:00:00Z",
    "service": None,
    "compliance_percent": 75.0,
    "met": 3,
    "breached": 1,
    "cancelled": 2,
    "groups": [
        {
            "service": "checkout",
            "severity": "critical",
            "met": 3,
            "breached": 1,
            "cancelled": 2,
            "compliance_percent": 75.0,
            "in_flight_breaches": 1,
            "mtta_s": {"count": 4, "mean": 300.0, "median": 240.0, "p90": 600.0},
            "mttr_s": {"count": 0, "mean": None, "median": None, "p90": None},
        }
    ],
    "in_flight_breaches": [
        {
            "incident_id": "6a1c1b9e-0000-4000-8000-000000000001",
            "policy": "checkout-tta",
            "target": "time_to_acknowledge",
            "due_at": "2026-01-31T10:00:00Z",
        }
    ],
}


def _args(*argv: str) -> argparse.Namespace:
    return parser().parse_args(["sla", "report", *argv])


def _client(status: int, body: Any, seen: list[httpx.Request]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(answer), base_url="http://sla")


def test_the_report_is_fetched_with_the_window_and_token_and_rendered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[httpx.Request] = []
    args = _args("--from", "2026-01-01T00:00:00Z", "--service", "checkout", "--token", "t0k")
    settings = CliSettings(api_token="t0k")  # type: ignore[arg-type]

    assert run_sla(args, settings, client=_client(200, REPORT, seen)) == 0

    (request,) = seen
    assert request.url.path == "/v1/sla/report"
    assert dict(request.url.params) == {"from": "2026-01-01T00:00:00Z", "service": "checkout"}
    assert request.headers["Authorization"] == "Bearer t0k"
    out = capsys.readouterr().out
    assert "compliance: 75 %" in out
    assert "checkout  critical" in out
    assert "300/240/600" in out
    assert "checkout-tta" in out


def test_a_refused_token_exits_4_and_a_bad_window_says_why() -> None:
    with pytest.raises(CliError) as refused:
        run_sla(_args(), CliSettings(), client=_client(401, {"error": {}}, []))
    bad = {"error": {"code": "invalid_window", "message": "from must be before to"}}
    with pytest.raises(CliError, match="from must be before to"):
        run_sla(_args(), CliSettings(), client=_client(422, bad, []))

    assert refused.value.exit_code == 4
