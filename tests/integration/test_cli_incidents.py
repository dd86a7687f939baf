"""`tocsin incidents ...` against the real incident service (HTTP, Postgres, Tansu)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tocsin_cli import incidents
from tocsin_cli.errors import CliError
from tocsin_cli.main import run
from tocsin_incident.bootstrap import build_app

from ..infra import Infra
from ..samples import INTEGRATION_KEY, RESPONDER_TOKEN, VIEWER_TOKEN, sample_config
from .incident_runtime import incident_settings, migrate_incident
from .served_app import serving


@pytest.fixture
def api_url(infra: Infra, database: str, topic_prefix: str) -> Iterator[str]:
    asyncio.run(migrate_incident(database))
    settings = incident_settings(
        dsn=database, bootstrap=infra.bootstrap_servers, prefix=topic_prefix
    )
    with serving(build_app(settings, config=sample_config())) as base_url:
        yield base_url


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOCSIN_API_URL", raising=False)
    monkeypatch.delenv("TOCSIN_API_TOKEN", raising=False)


def tocsin(capsys: pytest.CaptureFixture[str], url: str, token: str, *argv: str) -> str:
    assert run(["incidents", *argv, "--url", url, "--token", token]) == 0
    return capsys.readouterr().out


def listed(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> list[dict[str, Any]]:
    out = tocsin(capsys, url, VIEWER_TOKEN, "list", "--json", *argv)
    found: list[dict[str, Any]] = json.loads(out)["incidents"]
    return found


def test_list_show_ack_note_resolve_through_the_api(
    api_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    alert = {"dedup_key": "db-down", "summary": "Checkout DB down", "severity": "critical"}
    sent = httpx.post(
        f"{api_url}/v1/alerts", json=alert, headers={"Authorization": f"Bearer {INTEGRATION_KEY}"}
    )
    assert sent.status_code == 202
    deadline = time.monotonic() + 60
    while not (found := listed(capsys, api_url, "--text", "db down")):
        assert time.monotonic() < deadline, "the alert never became an incident"
        time.sleep(0.2)
    incident_id = found[0]["id"]

    table = tocsin(capsys, api_url, VIEWER_TOKEN, "list", "--status", "triggered")
    assert incident_id in table and "Checkout DB down" in table
    shown = tocsin(capsys, api_url, VIEWER_TOKEN, "show", incident_id)
    assert "status: triggered" in shown and "alerts (latest 1 of 1):" in shown

    with pytest.raises(CliError) as refused:
        tocsin(capsys, api_url, VIEWER_TOKEN, "ack", incident_id)
    assert refused.value.exit_code == incidents.EXIT_AUTH

    assert "status: acknowledged" in tocsin(capsys, api_url, RESPONDER_TOKEN, "ack", incident_id)
    with pytest.raises(CliError) as again:
        tocsin(capsys, api_url, RESPONDER_TOKEN, "ack", incident_id)
    assert again.value.exit_code == incidents.EXIT_CONFLICT

    tocsin(capsys, api_url, RESPONDER_TOKEN, "note", incident_id, "rolled back deploy 42")
    tocsin(capsys, api_url, RESPONDER_TOKEN, "resolve", incident_id)
    detail = json.loads(tocsin(capsys, api_url, VIEWER_TOKEN, "show", incident_id, "--json"))
    assert detail["status"] == "resolved"
    assert any("rolled back deploy 42" in json.dumps(e["detail"]) for e in detail["timeline"])
    assert [e["actor_id"] for e in detail["timeline"]][-1] == "alice"
    assert [i["id"] for i in listed(capsys, api_url, "--status", "resolved")] == [incident_id]

    with pytest.raises(CliError) as missing:
        tocsin(capsys, api_url, VIEWER_TOKEN, "show", "00000000-0000-0000-0000-000000000000")
    assert missing.value.exit_code == incidents.EXIT_NOT_FOUND
