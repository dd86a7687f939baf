"""Problem tasks over HTTP: create under a problem, edit, start / complete / cancel."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from typing import Annotated, Any, Self
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from pydantic import Field, model_validator
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role

from .api_common import NO_NUL, Body, actor_of, translated
from .commands_base import UowFactory
from .commands_work import (
    CreateTask,
    TransitionTask,
    UpdateTask,
    create_task,
    transition_task,
    update_task,
)
from .domain.tasks import TaskAction, TaskKind
from .queries import problem_id_of, task
from .views import task_view

Title = Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL)]
LongText = Annotated[str, Field(max_length=20_000, pattern=NO_NUL)]
Assignee = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]


class TaskCreate(Body):
    title: Title
    kind: TaskKind = TaskKind.GENERAL
    description: LongText = ""
    assignee: Assignee | None = None


class TaskPatch(Body):
    title: Title | None = None
    description: LongText | None = None
    assignee: Assignee | None = None

    @model_validator(mode="after")
    def _required_stay(self) -> Self:
        for name in ("title", "description"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


def tasks_api(*, config: TocsinConfig, uow_factory: UowFactory, clock: Clock) -> APIRouter:
    api = APIRouter(tags=["problem tasks"])
    Viewer = Annotated[ApiToken, Depends(require_role(config, Role.VIEWER))]
    Responder = Annotated[ApiToken, Depends(require_role(config, Role.RESPONDER))]
    Ref = Annotated[str, Path(min_length=1, max_length=100)]

    @api.post("/v1/problems/{ref}/tasks", status_code=201)
    async def create(ref: Ref, body: TaskCreate, token: Responder) -> dict[str, Any]:
        command = CreateTask(
            problem_id=await translated(problem_id_of(ref, uow_factory=uow_factory)),
            kind=body.kind,
            title=body.title,
            actor=actor_of(token),
            description=body.description,
            assignee=body.assignee,
        )
        return task_view(
            await translated(create_task(command, uow_factory=uow_factory, clock=clock))
        )

    @api.get("/v1/problem-tasks/{task_id}")
    async def show(task_id: UUID, _: Viewer) -> dict[str, Any]:
        return await translated(task(task_id, uow_factory=uow_factory))

    @api.patch("/v1/problem-tasks/{task_id}")
    async def patch(task_id: UUID, body: TaskPatch, token: Responder) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)
        command = UpdateTask(task_id=task_id, changes=changes, actor=actor_of(token))
        return task_view(
            await translated(update_task(command, uow_factory=uow_factory, clock=clock))
        )

    @api.post("/v1/problem-tasks/{task_id}/actions/{action}")
    async def act(task_id: UUID, action: TaskAction, token: Responder) -> dict[str, Any]:
        """start (open → in_progress), complete (in_progress → done), cancel (unfinished)."""
        command = TransitionTask(task_id=task_id, action=action, actor=actor_of(token))
        return task_view(
            await translated(transition_task(command, uow_factory=uow_factory, clock=clock))
        )

    return api
