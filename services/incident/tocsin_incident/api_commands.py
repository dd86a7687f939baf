"""Commands on one incident over HTTP: each is a transition with the token's user as actor."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Self, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.contracts.events import Actor, IncidentStatus, Priority, Severity
from tocsin_shared.http.auth import require_role
from tocsin_shared.http.errors import ApiError

from .deps import Deps
from .domain.model import (
    NO_ARGS,
    Args,
    Command,
    Conflict,
    IllegalTransition,
    Incident,
    InvalidChange,
)
from .handlers.commands import IncidentNotFound, change_status, merge_incidents
from .ports import UnitOfWork

T = TypeVar("T")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SnoozeRequest(_Body):
    """Give exactly one: the end of the snooze, or its length in minutes."""

    until: AwareDatetime | None = None
    minutes: int | None = Field(default=None, gt=0, le=525_600)

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.until is None) == (self.minutes is None):
            raise ValueError("give exactly one of until or minutes")
        return self


# Postgres text and jsonb cannot hold NUL: refuse it here (422) rather than fail on write (500).
_NO_NUL = r"^[^\x00]*$"


class AssignRequest(_Body):
    assignee: str = Field(min_length=1, max_length=200, pattern=_NO_NUL)


class NoteRequest(_Body):
    text: str = Field(min_length=1, max_length=10_000, pattern=_NO_NUL)


class PriorityRequest(_Body):
    priority: Priority


class SeverityRequest(_Body):
    severity: Severity


class MergeRequest(_Body):
    into: UUID


class IncidentState(BaseModel):
    id: UUID
    status: IncidentStatus
    severity: Severity
    priority: Priority | None
    assignee: str | None
    snoozed_until: datetime | None
    alert_count: int
    merged_into: UUID | None

    @classmethod
    def of(cls, i: Incident) -> "IncidentState":
        return cls(
            id=i.id,
            status=i.status,
            severity=i.severity,
            priority=i.priority,
            assignee=i.assignee,
            snoozed_until=i.snoozed_until,
            alert_count=i.alert_count,
            merged_into=i.merged_into,
        )


class MergeResult(BaseModel):
    source: IncidentState
    target: IncidentState


async def _translated(work: Awaitable[T]) -> T:
    try:
        return await work
    except IncidentNotFound:
        raise ApiError(404, "not_found", "no such incident") from None
    except IllegalTransition as exc:
        raise ApiError(409, "illegal_transition", str(exc)) from None
    except Conflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except InvalidChange as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None


def router(deps: Deps) -> APIRouter:
    return commands_router(config=deps.config, uow_factory=deps.uow, clock=deps.clock)


def commands_router(
    *, config: TocsinConfig, uow_factory: Callable[[], UnitOfWork], clock: Clock
) -> APIRouter:
    api = APIRouter(prefix="/v1/incidents/{incident_id}", tags=["incidents"])
    responder = Depends(require_role(config, Role.RESPONDER))

    async def run(
        incident_id: UUID, command: Command, token: ApiToken, args: Args = NO_ARGS
    ) -> IncidentState:
        actor = Actor(kind="user", id=token.name)
        incident = await _translated(
            change_status(
                incident_id, command, actor=actor, uow_factory=uow_factory, clock=clock, args=args
            )
        )
        return IncidentState.of(incident)

    Token = Annotated[ApiToken, responder]

    @api.post("/acknowledge")
    async def acknowledge(incident_id: UUID, token: Token) -> IncidentState:
        return await run(incident_id, Command.ACKNOWLEDGE, token)

    @api.post("/unacknowledge")
    async def unacknowledge(incident_id: UUID, token: Token) -> IncidentState:
        return await run(incident_id, Command.UNACKNOWLEDGE, token)

    @api.post("/resolve")
    async def resolve(incident_id: UUID, token: Token) -> IncidentState:
        return await run(incident_id, Command.RESOLVE, token)

    @api.post("/reopen")
    async def reopen(incident_id: UUID, token: Token) -> IncidentState:
        return await run(incident_id, Command.REOPEN, token)

    @api.post("/snooze")
    async def snooze(incident_id: UUID, body: SnoozeRequest, token: Token) -> IncidentState:
        until = body.until or clock.now() + timedelta(minutes=body.minutes or 0)
        return await run(incident_id, Command.SNOOZE, token, Args(until=until))

    @api.post("/assign")
    async def assign(incident_id: UUID, body: AssignRequest, token: Token) -> IncidentState:
        return await run(incident_id, Command.ASSIGN, token, Args(assignee=body.assignee))

    @api.post("/notes")
    async def add_note(incident_id: UUID, body: NoteRequest, token: Token) -> IncidentState:
        return await run(incident_id, Command.NOTE, token, Args(text=body.text))

    @api.post("/priority")
    async def priority(incident_id: UUID, body: PriorityRequest, token: Token) -> IncidentState:
        return await run(incident_id, Command.PRIORITY, token, Args(priority=body.priority))

    @api.post("/severity")
    async def severity(incident_id: UUID, body: SeverityRequest, token: Token) -> IncidentState:
        return await run(incident_id, Command.SEVERITY, token, Args(severity=body.severity))

    @api.post("/merge")
    async def merge(incident_id: UUID, body: MergeRequest, token: Token) -> MergeResult:
        source, target = await _translated(
            merge_incidents(
                incident_id,
                body.into,
                actor=Actor(kind="user", id=token.name),
                uow_factory=uow_factory,
                clock=clock,
            )
        )
        return MergeResult(source=IncidentState.of(source), target=IncidentState.of(target))

    return api
