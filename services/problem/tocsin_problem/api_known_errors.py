"""Known errors over HTTP: list, create under a problem, show, edit, publish / retire."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from typing import Annotated, Any, Self
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import Field, model_validator
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role

from .api_common import NO_NUL, Body, actor_of, translated
from .commands_base import UowFactory
from .commands_work import (
    CreateKnownError,
    TransitionKnownError,
    UpdateKnownError,
    create_known_error,
    transition_known_error,
    update_known_error,
)
from .domain.known_errors import KnownErrorAction, KnownErrorState, Signature
from .queries import known_error, list_known_errors
from .views import known_error_view

Title = Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL)]
LongText = Annotated[str, Field(max_length=20_000, pattern=NO_NUL)]
Workaround = Annotated[str, Field(min_length=1, max_length=20_000, pattern=NO_NUL)]
Label = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]


class SignatureBody(Body):
    """`pattern` is a summary template: `<*>` stands for any words (hosts, ids, numbers are
    masked anyway). `service` narrows it to one service; `labels` must all be on the incident."""

    pattern: Annotated[str, Field(min_length=1, max_length=2_000, pattern=NO_NUL)]
    service: Label | None = None
    labels: dict[Label, Label] = Field(default_factory=dict, max_length=50)

    def signature(self) -> Signature:
        return Signature(pattern=self.pattern, service=self.service, labels=dict(self.labels))

    @model_validator(mode="after")
    def _literal(self) -> Self:
        self.signature()
        return self


class KnownErrorCreate(Body):
    problem_id: UUID
    title: Title
    signature: SignatureBody
    workaround: Workaround
    root_cause: LongText = ""


class KnownErrorPatch(Body):
    title: Title | None = None
    signature: SignatureBody | None = None
    workaround: Workaround | None = None
    root_cause: LongText | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


def known_errors_api(*, config: TocsinConfig, uow_factory: UowFactory, clock: Clock) -> APIRouter:
    api = APIRouter(prefix="/v1/known-errors", tags=["known errors"])
    Viewer = Annotated[ApiToken, Depends(require_role(config, Role.VIEWER))]
    Responder = Annotated[ApiToken, Depends(require_role(config, Role.RESPONDER))]

    @api.get("")
    async def list_(
        _: Viewer,
        state: KnownErrorState | None = None,
        problem_id: UUID | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        return await list_known_errors(
            state=state, problem_id=problem_id, limit=limit, uow_factory=uow_factory
        )

    @api.post("", status_code=201)
    async def create(body: KnownErrorCreate, token: Responder) -> dict[str, Any]:
        """A draft known error of a problem; it matches incidents once published."""
        command = CreateKnownError(
            problem_id=body.problem_id,
            title=body.title,
            signature=body.signature.signature(),
            workaround=body.workaround,
            actor=actor_of(token),
            root_cause=body.root_cause,
        )
        made = await translated(create_known_error(command, uow_factory=uow_factory, clock=clock))
        return known_error_view(made)

    @api.get("/{known_error_id}")
    async def show(known_error_id: UUID, _: Viewer) -> dict[str, Any]:
        return await translated(known_error(known_error_id, uow_factory=uow_factory))

    @api.patch("/{known_error_id}")
    async def patch(
        known_error_id: UUID, body: KnownErrorPatch, token: Responder
    ) -> dict[str, Any]:
        changes: dict[str, Any] = {
            name: getattr(body, name) for name in body.model_fields_set if name != "signature"
        }
        if body.signature is not None:
            changes["signature"] = body.signature.signature()
        command = UpdateKnownError(
            known_error_id=known_error_id, changes=changes, actor=actor_of(token)
        )
        made = await translated(update_known_error(command, uow_factory=uow_factory, clock=clock))
        return known_error_view(made)

    @api.post("/{known_error_id}/actions/{action}")
    async def act(
        known_error_id: UUID, action: KnownErrorAction, token: Responder
    ) -> dict[str, Any]:
        """publish (draft or retired → published), retire (draft or published → retired)."""
        command = TransitionKnownError(
            known_error_id=known_error_id, action=action, actor=actor_of(token)
        )
        made = await translated(
            transition_known_error(command, uow_factory=uow_factory, clock=clock)
        )
        return known_error_view(made)

    return api
