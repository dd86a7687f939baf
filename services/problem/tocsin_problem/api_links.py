"""Incident links over HTTP: link or unlink an incident by hand, and which problem an incident
belongs to, and why."""

# No `from __future__ import annotations`: FastAPI must resolve the Annotated dependencies.

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Response
from pydantic import Field
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import ApiToken, Role, TocsinConfig
from tocsin_shared.http.auth import require_role

from .api_common import NO_NUL, Body, actor_of, translated
from .commands_base import UowFactory
from .commands_links import LinkIncident, UnlinkIncident, link_incident, unlink_incident
from .queries import problem_id_of, problem_of_incident
from .views import link_view


class LinkRequest(Body):
    incident_id: UUID
    note: Annotated[str, Field(max_length=2_000, pattern=NO_NUL)] | None = None
    # An incident linked to another problem moves only when asked to.
    move: bool = False


def links_api(*, config: TocsinConfig, uow_factory: UowFactory, clock: Clock) -> APIRouter:
    api = APIRouter(tags=["problems"])
    Viewer = Annotated[ApiToken, Depends(require_role(config, Role.VIEWER))]
    Responder = Annotated[ApiToken, Depends(require_role(config, Role.RESPONDER))]
    Ref = Annotated[str, Path(min_length=1, max_length=100)]

    @api.post("/v1/problems/{ref}/links", status_code=201)
    async def link(ref: Ref, body: LinkRequest, token: Responder) -> dict[str, Any]:
        """Link an incident the problem service has seen; linked elsewhere: 409 unless move."""
        command = LinkIncident(
            problem_id=await translated(problem_id_of(ref, uow_factory=uow_factory)),
            incident_id=body.incident_id,
            actor=actor_of(token),
            note=body.note,
            move=body.move,
        )
        made = await translated(link_incident(command, uow_factory=uow_factory, clock=clock))
        return link_view(made)

    @api.delete("/v1/problems/{ref}/links/{incident_id}", status_code=204)
    async def unlink(ref: Ref, incident_id: UUID, token: Responder) -> Response:
        command = UnlinkIncident(
            problem_id=await translated(problem_id_of(ref, uow_factory=uow_factory)),
            incident_id=incident_id,
            actor=actor_of(token),
        )
        await translated(unlink_incident(command, uow_factory=uow_factory, clock=clock))
        return Response(status_code=204)

    @api.get("/v1/incidents/{incident_id}/problem")
    async def incident_problem(incident_id: UUID, _: Viewer) -> dict[str, Any]:
        """The problem this incident is linked to, and the link's reason."""
        return await translated(problem_of_incident(incident_id, uow_factory=uow_factory))

    return api
