"""`POST /v1/problems/backtest`: replay the stored incident events of a time range through a
candidate rule set, in memory, changing nothing; answer what it would have made and its quality
against the links recorded now."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Self

import asyncpg
from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, Field, model_validator
from tocsin_shared.config.loader import ConfigError
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .adapters.pg_correlation import stored_history
from .api_common import Body
from .correlation_apply import signatures
from .evaluation.backtest import backtest, parse_rule_set

# A bound on one request's replay: a wider range is a 422 that says to narrow it.
MAX_EVENTS = 200_000


class BacktestBody(Body):
    rules: Annotated[str, Field(min_length=1, max_length=200_000)]
    from_: Annotated[AwareDatetime, Field(alias="from")]
    to: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.to <= self.from_:
            raise ValueError("`to` must be after `from`")
        return self


def backtest_api(*, config: TocsinConfig, pool: Callable[[], asyncpg.Pool]) -> APIRouter:
    router = APIRouter(tags=["problems"])
    responder = Depends(require_role(config, Role.RESPONDER))

    @router.post("/v1/problems/backtest")
    async def run_backtest(body: BacktestBody, _: Annotated[ApiToken, responder]) -> dict[str, Any]:
        """Replays `tocsin.incident.triggered` events stored between `from` and `to` through
        `rules` (YAML: `correlation_rules`, `correlation`, optionally `services`)."""
        try:
            rule_set = parse_rule_set(body.rules, services=config.services)
        except ConfigError as exc:
            raise ApiError(422, "invalid_rules", str(exc)) from None
        history = await stored_history(
            pool(), since=body.from_, until=body.to, limit=MAX_EVENTS + 1
        )
        if len(history.events) > MAX_EVENTS:
            raise ApiError(
                422, "range_too_wide", f"more than {MAX_EVENTS} events in range; narrow it"
            )
        result = await asyncio.to_thread(
            backtest,
            history.events,
            rule_set,
            recorded_links=history.links,
            known_errors=signatures(history.known_errors),
        )
        answer = result.to_json()
        answer["range"] = {"from": _iso(body.from_), "to": _iso(body.to)}
        return answer

    return router


def _iso(at: datetime) -> str:
    return at.isoformat()
