"""Silences and maintenance windows over HTTP (Alertmanager-shaped), and their expiry timers."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from tocsin_shared.config.models import ApiToken, Role
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.timers import Timer, TimerHandler
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .adapters.silences import (
    SILENCE_EXPIRE,
    WINDOW_EXPIRE,
    PgSuppressionStore,
    cache_for,
    list_silences,
    list_windows,
    matcher_json,
    silence_by_id,
    suppression_store,
)
from .deps import Deps
from .domain.silences import InvalidSuppression, Matcher, Silence, State
from .handlers.silences import (
    NotFound,
    StoreFactory,
    Suppression,
    create_silence,
    create_window,
    end_reached,
    expire,
)

log = structlog.get_logger(__name__)
_STATE = "^(active|pending|expired)$"


def _storable(text: str) -> str:
    """Postgres text holds neither NUL nor lone surrogates: refuse them here (422), not there."""
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode") from None
    return text


def _in_range(at: datetime | None) -> datetime | None:
    if at is not None and not 1970 <= at.year <= 9000:
        raise ValueError("must be between the years 1970 and 9000")
    return at


Text = Annotated[str, AfterValidator(_storable)]
Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]


class MatcherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    value: Text = Field(max_length=4096)
    isRegex: bool = False  # Alertmanager's field names
    isEqual: bool = True


class SilenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matchers: list[MatcherIn] = Field(max_length=100)
    startsAt: Instant | None = None
    endsAt: Instant
    comment: Text = Field("", max_length=4096)


class WindowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    services: list[Text] = Field(max_length=100)
    startsAt: Instant | None = None
    endsAt: Instant
    comment: Text = Field("", max_length=4096)


def _out(item: Suppression, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(item.id),
        "status": {"state": item.state(now).value},
        "startsAt": item.starts_at.isoformat(),
        "endsAt": item.ends_at.isoformat(),
        "createdBy": item.created_by,
        "comment": item.comment,
        "createdAt": item.created_at.isoformat(),
        "expiredAt": item.expired_at.isoformat() if item.expired_at else None,
        "expiredBy": item.expired_by,
    }
    if isinstance(item, Silence):
        body["matchers"] = [matcher_json(m) for m in item.matchers]
    else:
        body["services"] = list(item.services)
    return body


def router(deps: Deps) -> APIRouter:
    api = APIRouter(tags=["silences"])
    viewer = Depends(require_role(deps.config, Role.VIEWER))
    responder = Depends(require_role(deps.config, Role.RESPONDER))

    def store() -> AbstractAsyncContextManager[PgSuppressionStore]:
        return suppression_store(deps.pool(), cache_for(deps.runtime))

    stores: StoreFactory = store

    @api.post("/v1/silences", status_code=201)
    async def post_silence(
        body: SilenceIn, token: Annotated[ApiToken, responder]
    ) -> dict[str, Any]:
        now = deps.clock.now()
        try:
            matchers = [
                Matcher.create(m.name, m.value, is_regex=m.isRegex, is_equal=m.isEqual)
                for m in body.matchers
            ]
            silence = await create_silence(
                matchers,
                starts_at=body.startsAt or now,
                ends_at=body.endsAt,
                created_by=token.name,
                comment=body.comment,
                store=stores,
                clock=deps.clock,
            )
        except InvalidSuppression as exc:
            raise ApiError(422, "invalid_silence", str(exc)) from None
        return _out(silence, now)

    @api.get("/v1/silences")
    async def get_silences(
        _: Annotated[ApiToken, viewer],
        state: Annotated[str | None, Query(pattern=_STATE)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        now = deps.clock.now()
        found = await list_silences(
            deps.pool(), state=State(state) if state else None, now=now, limit=limit
        )
        return {"silences": [_out(s, now) for s in found]}

    @api.get("/v1/silences/{silence_id}")
    async def get_silence(silence_id: UUID, _: Annotated[ApiToken, viewer]) -> dict[str, Any]:
        silence = await silence_by_id(deps.pool(), silence_id)
        if silence is None:
            raise ApiError(404, "not_found", "no such silence")
        return _out(silence, deps.clock.now())

    @api.delete("/v1/silences/{silence_id}")
    async def delete_silence(
        silence_id: UUID, token: Annotated[ApiToken, responder]
    ) -> dict[str, Any]:
        return await _expire(silence_id, window=False, by=token.name)

    @api.post("/v1/maintenance-windows", status_code=201)
    async def post_window(body: WindowIn, token: Annotated[ApiToken, responder]) -> dict[str, Any]:
        unknown = [s for s in body.services if deps.config.service(s) is None]
        if unknown:
            raise ApiError(422, "invalid_window", f"unknown service(s): {', '.join(unknown)}")
        now = deps.clock.now()
        try:
            window = await create_window(
                body.services,
                starts_at=body.startsAt or now,
                ends_at=body.endsAt,
                created_by=token.name,
                comment=body.comment,
                store=stores,
                clock=deps.clock,
            )
        except InvalidSuppression as exc:
            raise ApiError(422, "invalid_window", str(exc)) from None
        return _out(window, now)

    @api.get("/v1/maintenance-windows")
    async def get_windows(
        _: Annotated[ApiToken, viewer],
        state: Annotated[str | None, Query(pattern=_STATE)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        now = deps.clock.now()
        found = await list_windows(
            deps.pool(), state=State(state) if state else None, now=now, limit=limit
        )
        return {"maintenance_windows": [_out(w, now) for w in found]}

    @api.delete("/v1/maintenance-windows/{window_id}")
    async def delete_window(
        window_id: UUID, token: Annotated[ApiToken, responder]
    ) -> dict[str, Any]:
        return await _expire(window_id, window=True, by=token.name)

    async def _expire(item_id: UUID, *, window: bool, by: str) -> dict[str, Any]:
        try:
            item = await expire(item_id, window=window, by=by, store=stores, clock=deps.clock)
        except NotFound:
            what = "maintenance window" if window else "silence"
            raise ApiError(404, "not_found", f"no such {what}") from None
        return _out(item, deps.clock.now())

    return api


def timer_handlers(deps: Deps) -> Mapping[str, TimerHandler]:
    async def silence_ended(timer: Timer, conn: DbConnection, now: datetime) -> None:
        tx = PgSuppressionStore(conn)
        if await end_reached(await tx.get_silence(UUID(timer.subject)), tx=tx, now=now):
            log.info("silence expired", silence_id=timer.subject)

    async def window_ended(timer: Timer, conn: DbConnection, now: datetime) -> None:
        tx = PgSuppressionStore(conn)
        if await end_reached(await tx.get_window(UUID(timer.subject)), tx=tx, now=now):
            log.info("maintenance window expired", window_id=timer.subject)

    return {SILENCE_EXPIRE: silence_ended, WINDOW_EXPIRE: window_ended}
