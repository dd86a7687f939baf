"""Problems over HTTP: list, create, show, edit, act, history. Viewers read, responders write."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from typing import Annotated, Any, Self
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field, model_validator
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.contracts.events import ProblemOrigin, ProblemState, ResolutionCode
from tocsin_shared.http.auth import require_role

from .api_common import NO_NUL, Body, actor_of, translated
from .commands import (
    CreateProblem,
    TransitionProblem,
    UpdateProblem,
    create_problem,
    transition_problem,
    update_problem,
)
from .commands_base import UowFactory
from .domain.problem import Action
from .ports import ProblemQuery
from .queries import list_problems, problem_detail, problem_history, problem_id_of
from .views import problem_view

Text = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
LongText = Annotated[str, Field(max_length=20_000, pattern=NO_NUL)]


class ProblemFields(Body):
    description: LongText | None = None
    service: Text | None = None
    component: Text | None = None
    category: Text | None = None
    impact: Text | None = None
    urgency: Text | None = None
    priority: Text | None = None
    assignee: Text | None = None
    workaround: LongText | None = None
    cause_notes: LongText | None = None
    cause_code: Text | None = None
    fix_notes: LongText | None = None


class ProblemCreate(ProblemFields):
    statement: Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL)]


class ProblemPatch(ProblemFields):
    statement: Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL)] | None = None

    @model_validator(mode="after")
    def _required_stay(self) -> Self:
        for name in ("statement", "description"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ActionRequest(Body):
    resolution: ResolutionCode | None = None
    duplicate_of: UUID | None = None


def problems_api(*, config: TocsinConfig, uow_factory: UowFactory, clock: Clock) -> APIRouter:
    api = APIRouter(prefix="/v1/problems", tags=["problems"])
    Viewer = Annotated[ApiToken, Depends(require_role(config, Role.VIEWER))]
    Responder = Annotated[ApiToken, Depends(require_role(config, Role.RESPONDER))]
    Ref = Annotated[str, Path(min_length=1, max_length=100)]

    async def problem_id(ref: str) -> UUID:
        return await translated(problem_id_of(ref, uow_factory=uow_factory))

    @api.get("")
    async def list_(
        _: Viewer,
        state: Annotated[list[ProblemState] | None, Query()] = None,
        service: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
        assignee: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
        origin: ProblemOrigin | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> dict[str, Any]:
        """Problems, highest number first, with the total that match."""
        query = ProblemQuery(
            states=tuple(state or ()),
            service=service,
            assignee=assignee,
            origin=origin,
            limit=limit,
            offset=offset,
        )
        return await list_problems(query, uow_factory=uow_factory)

    @api.post("", status_code=201)
    async def create(body: ProblemCreate, token: Responder) -> dict[str, Any]:
        fields = body.model_dump(exclude_unset=True, exclude={"statement"})
        command = CreateProblem(statement=body.statement, actor=actor_of(token), fields=fields)
        problem = await translated(create_problem(command, uow_factory=uow_factory, clock=clock))
        return problem_view(problem)

    @api.get("/{ref}")
    async def show(ref: Ref, _: Viewer) -> dict[str, Any]:
        """The problem with its links (and why), tasks, known errors and state times."""
        return await translated(problem_detail(await problem_id(ref), uow_factory=uow_factory))

    @api.patch("/{ref}")
    async def patch(ref: Ref, body: ProblemPatch, token: Responder) -> dict[str, Any]:
        command = UpdateProblem(
            problem_id=await problem_id(ref),
            changes=body.model_dump(exclude_unset=True),
            actor=actor_of(token),
        )
        problem = await translated(update_problem(command, uow_factory=uow_factory, clock=clock))
        return problem_view(problem)

    @api.post("/{ref}/actions/{action}")
    async def act(
        ref: Ref, action: Action, token: Responder, body: ActionRequest | None = None
    ) -> dict[str, Any]:
        """assess, analyse, start_fix, resolve (with a resolution, and duplicate_of for a
        duplicate), reanalyse, close. Illegal in the problem's state: 409."""
        given = body or ActionRequest()
        command = TransitionProblem(
            problem_id=await problem_id(ref),
            action=action,
            actor=actor_of(token),
            resolution=given.resolution,
            duplicate_of=given.duplicate_of,
        )
        problem = await translated(
            transition_problem(command, uow_factory=uow_factory, clock=clock)
        )
        return problem_view(problem)

    @api.get("/{ref}/history")
    async def history(ref: Ref, _: Viewer) -> dict[str, Any]:
        """Every change to the problem, its links, tasks and known errors, with its actor."""
        return await translated(problem_history(await problem_id(ref), uow_factory=uow_factory))

    return api
