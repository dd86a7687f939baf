"""Link suggestions over HTTP: what correlation proposed below its auto-link threshold, and a
person's accept (the incident is linked) or reject (remembered)."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role

from .api_common import actor_of, translated
from .commands_base import UowFactory
from .commands_work import DecideSuggestion, decide_suggestion
from .domain.links import Decision, SuggestionStatus
from .queries import list_suggestions
from .views import suggestion_view


class Verdict(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


def suggestions_api(*, config: TocsinConfig, uow_factory: UowFactory, clock: Clock) -> APIRouter:
    api = APIRouter(prefix="/v1/problem-suggestions", tags=["problems"])
    Viewer = Annotated[ApiToken, Depends(require_role(config, Role.VIEWER))]
    Responder = Annotated[ApiToken, Depends(require_role(config, Role.RESPONDER))]

    @api.get("")
    async def list_(
        _: Viewer,
        status: SuggestionStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Suggestions, newest first (status=pending for those waiting on a person)."""
        return await list_suggestions(status=status, limit=limit, uow_factory=uow_factory)

    @api.post("/{suggestion_id}/{verdict}")
    async def decide(suggestion_id: UUID, verdict: Verdict, token: Responder) -> dict[str, Any]:
        command = DecideSuggestion(
            suggestion_id=suggestion_id, decision=Decision(verdict.value), actor=actor_of(token)
        )
        made = await translated(decide_suggestion(command, uow_factory=uow_factory, clock=clock))
        return suggestion_view(made)

    return api
