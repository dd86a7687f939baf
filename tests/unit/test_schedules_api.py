"""GET /v1/oncall and GET /v1/schedules/{name}/shifts: answers, 404, 400s, auth."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from tocsin_notifier.api_schedules import schedules_router
from tocsin_shared.clock import FakeClock
from tocsin_shared.config import parse_config
from tocsin_shared.http.errors import install_error_handlers

from ..samples import VIEWER_TOKEN

CONFIG = f"""
version: 1
api_tokens: [{{name: victor, role: viewer, token: {VIEWER_TOKEN}}}]
users: [{{name: ann}}, {{name: bob}}]
schedules:
  - name: primary
    time_zone: America/New_York
    layers:
      - {{name: daily, members: [ann, bob], shift_unit: days, start: 2026-03-07, handoff: "09:00"}}
"""
AUTH = {"Authorization": f"Bearer {VIEWER_TOKEN}"}


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)
    clock = FakeClock(datetime(2026, 3, 8, 12, tzinfo=UTC))
    app.include_router(schedules_router(config=parse_config(CONFIG, source="t"), clock=clock))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


async def test_who_is_on_call_now_and_at_a_given_time(client: httpx.AsyncClient) -> None:
    now = await client.get("/v1/oncall", params={"schedule": "primary"}, headers=AUTH)
    assert now.status_code == 200 and now.json()["on_call"] == ["ann"]
    after = {"schedule": "primary", "at": "2026-03-08T13:00:00Z"}  # 09:00 EDT: bob's turn
    assert (await client.get("/v1/oncall", params=after, headers=AUTH)).json()["on_call"] == ["bob"]
    before = {"schedule": "primary", "at": "2026-03-01T00:00:00+00:00"}
    assert (await client.get("/v1/oncall", params=before, headers=AUTH)).json()["on_call"] == []


async def test_final_shifts_over_a_range(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/v1/schedules/primary/shifts",
        params={"from": "2026-03-07T14:00:00Z", "to": "2026-03-09T13:00:00Z"},
        headers=AUTH,
    )
    assert r.status_code == 200
    assert r.json()["shifts"] == [
        {"user": "ann", "start": "2026-03-07T14:00:00+00:00", "end": "2026-03-08T13:00:00+00:00"},
        {"user": "bob", "start": "2026-03-08T13:00:00+00:00", "end": "2026-03-09T13:00:00+00:00"},
    ]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/v1/oncall", {"schedule": "nope"}, 404),
        ("/v1/oncall", {"schedule": "primary", "at": "yesterday"}, 422),
        (
            "/v1/schedules/nope/shifts",
            {"from": "2026-03-07T00:00Z", "to": "2026-03-08T00:00Z"},
            404,
        ),
        (
            "/v1/schedules/primary/shifts",
            {"from": "2026-03-08T00:00Z", "to": "2026-03-07T00:00Z"},
            400,
        ),
        (
            "/v1/schedules/primary/shifts",
            {"from": "2026-01-01T00:00Z", "to": "2028-01-01T00:00Z"},
            400,
        ),
        ("/v1/schedules/primary/shifts", {"from": "2026-03-08T00:00Z"}, 422),
    ],
)
async def test_bad_questions_get_a_clear_4xx(
    client: httpx.AsyncClient, path: str, params: dict[str, str], status: int
) -> None:
    r = await client.get(path, params=params, headers=AUTH)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/")
    assert "Traceback" not in r.text


async def test_an_unauthenticated_caller_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/oncall", params={"schedule": "primary"})
    assert r.status_code == 401
