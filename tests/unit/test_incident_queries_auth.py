"""Every API-token route of the incident service: 401 and 403 that reveal nothing.

Walks the real app's routes, so a route added later is covered (or this test says it is not).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from tocsin_incident.bootstrap import build_app
from tocsin_incident.settings import IncidentSettings
from tocsin_shared.config.models import Role
from tocsin_shared.http.auth import require_role

from ..samples import INTEGRATION_KEY, RESPONDER_TOKEN, VIEWER_TOKEN, sample_config

UNAUTHENTICATED = {"error": {"code": "unauthenticated", "message": "a valid API token is required"}}
RANK = [Role.VIEWER, Role.RESPONDER, Role.ADMIN]
TOKEN_OF = {Role.VIEWER: VIEWER_TOKEN, Role.RESPONDER: RESPONDER_TOKEN}
GUARD = require_role.__qualname__ + ".<locals>."


def _guards(dependant: Dependant) -> Iterator[Role]:
    for sub in dependant.dependencies:
        call: Callable[..., Any] | None = sub.call
        if call is not None and call.__qualname__.startswith(GUARD):
            yield inspect.getclosurevars(call).nonlocals["role"]
        yield from _guards(sub)


def _api_routes(routes: list[Any], prefix: str = "") -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            if prefix:
                raise AssertionError("prefixed routers: teach this walk to prefix their paths")
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            # Newer FastAPI keeps an included router whole rather than copying its routes.
            context = getattr(route, "include_context", None)
            yield from _api_routes(included.routes, prefix + getattr(context, "prefix", ""))


def _guarded_routes() -> list[tuple[str, str, Role]]:
    settings = IncidentSettings(database_url="postgresql://nobody@127.0.0.1:1/none")
    app = build_app(settings, config=sample_config())
    found = []
    for route in _api_routes(app.routes):
        roles = list(_guards(route.dependant))
        path = route.path_format
        if path.startswith("/v1/incidents"):
            assert roles, f"{path} is an incident REST route without an API-token guard"
        for method in route.methods:
            for role in roles:
                found.append((method, path, role))
    return found


ROUTES = _guarded_routes()
APP = build_app(
    IncidentSettings(database_url="postgresql://nobody@127.0.0.1:1/none"), config=sample_config()
)


def _url(path: str) -> str:
    return path.format(
        **{name: str(uuid.uuid4()) for name in _placeholders(path)},
    )


def _placeholders(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def test_the_walk_finds_the_known_routes() -> None:
    found = {(m, p) for m, p, _ in ROUTES}
    assert {
        ("GET", "/v1/incidents"),
        ("GET", "/v1/incidents/{incident_id}"),
        ("POST", "/v1/incidents/{incident_id}/acknowledge"),
        ("POST", "/v1/incidents/{incident_id}/resolve"),
    } <= found


@pytest.mark.parametrize(("method", "path", "role"), ROUTES)
@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer not-a-token",
        f"Bearer {VIEWER_TOKEN}x",
        f"Bearer {INTEGRATION_KEY}",
        f"Basic {VIEWER_TOKEN}",
        "Bearer ",
        "",
    ],
)
async def test_no_valid_token_is_the_same_bare_401(
    method: str, path: str, role: Role, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=APP), base_url="http://api"
    ) as client:
        response = await client.request(method, _url(path), headers=headers, json={})
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


@pytest.mark.parametrize(("method", "path", "role"), ROUTES)
async def test_a_token_below_the_role_is_a_bare_403(method: str, path: str, role: Role) -> None:
    below = [r for r in RANK[: RANK.index(role)] if r in TOKEN_OF]
    if not below:
        pytest.skip(f"{role.value} is the lowest role: no token is below it")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=APP), base_url="http://api"
    ) as client:
        for lower in below:
            response = await client.request(
                method,
                _url(path),
                headers={"Authorization": f"Bearer {TOKEN_OF[lower]}"},
                json={},
            )
            assert response.status_code == 403
            assert response.json() == {
                "error": {
                    "code": "forbidden",
                    "message": f"this action needs the {role.value} role",
                }
            }
