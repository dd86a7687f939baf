"""`tocsin notifications redrive ID`: calls the notifier's redrive endpoint; clear errors."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest
from tocsin_cli.errors import CliError
from tocsin_cli.main import parser, settings_for
from tocsin_cli.notifications import run_notifications


def client(status: int, body: object, seen: list[httpx.Request]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(answer), base_url="http://notifier")


def test_redrive_posts_with_the_token_and_says_what_happened(
    capsys: pytest.CaptureFixture[str],
) -> None:
    nid = str(uuid4())
    args = parser().parse_args(["notifications", "redrive", nid, "--token", "t0k"])
    seen: list[httpx.Request] = []
    code = run_notifications(
        args, settings_for(args), client=client(200, {"id": nid, "status": "pending"}, seen)
    )
    assert code == 0 and seen[0].method == "POST"
    assert seen[0].url.path == f"/v1/notifications/{nid}/redrive"
    assert seen[0].headers["authorization"] == "Bearer t0k"
    assert "pending" in capsys.readouterr().out


@pytest.mark.parametrize(("status", "exit_code"), [(404, 5), (409, 6), (401, 4), (500, 1)])
def test_failures_exit_with_a_meaningful_code(status: int, exit_code: int) -> None:
    args = parser().parse_args(["notifications", "redrive", str(uuid4())])
    body = {"error": {"code": "x", "message": "cannot redrive a delivered notification"}}
    with pytest.raises(CliError) as err:
        run_notifications(args, settings_for(args), client=client(status, body, []))
    assert err.value.exit_code == exit_code and str(status) in str(err.value)


def test_a_bad_id_is_a_usage_error() -> None:
    args = parser().parse_args(["notifications", "redrive", "not-a-uuid"])
    with pytest.raises(CliError) as err:
        run_notifications(args, settings_for(args), client=client(200, {}, []))
    assert err.value.exit_code == 2
