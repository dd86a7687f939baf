"""`tocsin incidents ...` against the real incident routers (in-memory ports) and failures."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tocsin_cli import incidents
from tocsin_cli.errors import CliError
from tocsin_cli.main import main, parser, settings_for
from tocsin_incident.api_commands import commands_router
from tocsin_incident.api_queries import queries_router
from tocsin_incident.handlers.alerts import process_raw_alert
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.http.errors import install_error_handlers

from ..samples import RESPONDER_TOKEN, VIEWER_TOKEN, sample_config
from .fakes_incident import FakeWorld
from .fakes_incident_queries import FakeIncidentReader

CLOCK = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def api(world: FakeWorld) -> Iterator[TestClient]:
    app = FastAPI()
    install_error_handlers(app)
    config = sample_config()
    app.include_router(queries_router(config=config, reader=FakeIncidentReader(world.incidents)))
    app.include_router(commands_router(config=config, uow_factory=world.uow, clock=CLOCK))
    with TestClient(app, base_url="http://api") as client:
        yield client


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOCSIN_API_URL", raising=False)
    monkeypatch.delenv("TOCSIN_API_TOKEN", raising=False)


async def _trigger(world: FakeWorld, key: str, summary: str = "") -> str:
    alert = RawAlertV1(
        integration="i", service="checkout", dedup_key=key, summary=summary, received_at=CLOCK.now()
    )
    await process_raw_alert(alert, identity=str(alert.alert_id), uow_factory=world.uow, clock=CLOCK)
    return str(list(world.incidents.rows)[-1])


def cli(api: TestClient, *argv: str) -> int:
    args = parser().parse_args(["incidents", *argv])
    return incidents.run_incidents(args, settings_for(args), client=api)


async def test_list_prints_a_table_and_json(
    api: TestClient, world: FakeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    first = await _trigger(world, "disk", summary="Disk full on db-1")
    await _trigger(world, "cpu", summary="CPU hot")

    assert cli(api, "list", "--token", VIEWER_TOKEN, "--text", "DISK") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "ID", "STATUS", "SEVERITY", "SERVICE", "ALERT_COUNT", "TRIGGERED_AT", "SUMMARY"
    ]  # fmt: skip
    assert len(lines) == 2 and lines[1].startswith(first) and "Disk full on db-1" in lines[1]

    assert cli(api, "list", "--token", VIEWER_TOKEN, "--limit", "1", "--json") == 0
    body = json.loads(capsys.readouterr().out)
    assert [i["dedup_key"] for i in body["incidents"]] == ["cpu"]
    assert body["next_cursor"]

    assert cli(api, "list", "--token", VIEWER_TOKEN, "--status", "resolved") == 0
    assert capsys.readouterr().out.strip() == "no incidents"


async def test_show_ack_note_resolve(
    api: TestClient, world: FakeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = await _trigger(world, "disk", summary="Disk full")
    assert cli(api, "show", incident_id, "--token", VIEWER_TOKEN) == 0
    shown = capsys.readouterr().out
    assert f"id: {incident_id}" in shown and "status: triggered" in shown
    assert "timeline:" in shown and "alerts (latest 0 of 1):" in shown

    assert cli(api, "ack", incident_id, "--token", RESPONDER_TOKEN) == 0
    assert "status: acknowledged" in capsys.readouterr().out
    assert cli(api, "note", incident_id, "rolled back the deploy", "--token", RESPONDER_TOKEN) == 0
    assert f"id: {incident_id}" in capsys.readouterr().out
    assert cli(api, "resolve", incident_id, "--token", RESPONDER_TOKEN, "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] == "resolved"


@pytest.mark.parametrize(
    ("argv", "exit_code", "says"),
    [
        (("list",), incidents.EXIT_AUTH, "401 unauthenticated"),
        (("list", "--token", "wrong"), incidents.EXIT_AUTH, "TOCSIN_API_TOKEN"),
        (("ack", "{id}", "--token", VIEWER_TOKEN), incidents.EXIT_AUTH, "403 forbidden"),
        (("resolve", "{id}", "--token", RESPONDER_TOKEN), incidents.EXIT_CONFLICT, "409"),
        (
            ("show", "00000000-0000-0000-0000-000000000000", "--token", VIEWER_TOKEN),
            incidents.EXIT_NOT_FOUND,
            "404 not found: no such incident",
        ),
        (("show", "../../x", "--token", VIEWER_TOKEN), 2, "is not an incident id"),
        (("list", "--limit", "0", "--token", VIEWER_TOKEN), 1, "422 Unprocessable"),
        (("list", "--status", "open", "--token", VIEWER_TOKEN), 1, "query.status"),
    ],
)
async def test_failures_are_clear_messages_with_their_exit_code(
    api: TestClient, world: FakeWorld, argv: tuple[str, ...], exit_code: int, says: str
) -> None:
    incident_id = await _trigger(world, "disk")
    cli(api, "ack", incident_id, "--token", RESPONDER_TOKEN)
    cli(api, "resolve", incident_id, "--token", RESPONDER_TOKEN)
    with pytest.raises(CliError) as failure:
        cli(api, *(a.replace("{id}", incident_id) for a in argv))
    assert failure.value.exit_code == exit_code
    assert says in str(failure.value)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_connection_refused_is_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_API_URL", f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(SystemExit) as exited:
        main(["incidents", "list", "--token", VIEWER_TOKEN])
    assert exited.value.code == incidents.EXIT_UNREACHABLE
    err = capsys.readouterr().err
    assert err.startswith("tocsin: cannot reach the Tocsin API at http://127.0.0.1:")
    assert "Traceback" not in err


def test_url_and_token_come_from_the_environment_then_the_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = settings_for(parser().parse_args(["incidents", "list"]))
    assert defaults.api_url == "http://127.0.0.1:8080" and defaults.api_token is None
    monkeypatch.setenv("TOCSIN_API_URL", "http://tocsin:9000")
    monkeypatch.setenv("TOCSIN_API_TOKEN", "from-env")
    from_env = settings_for(parser().parse_args(["incidents", "list"]))
    assert from_env.api_url == "http://tocsin:9000"
    assert from_env.api_token is not None and from_env.api_token.get_secret_value() == "from-env"
    given = settings_for(
        parser().parse_args(["incidents", "show", "x", "--url", "http://a:1", "--token", "t"])
    )
    assert given.api_url == "http://a:1"
    assert given.api_token is not None and given.api_token.get_secret_value() == "t"
