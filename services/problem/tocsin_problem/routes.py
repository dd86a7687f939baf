"""The problem-management routers, gathered for bootstrap (after the observed-incidents router,
whose fixed path must win over /v1/problems/{ref})."""

from __future__ import annotations

from fastapi import APIRouter
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import TocsinConfig

from .api_known_errors import known_errors_api
from .api_links import links_api
from .api_problems import problems_api
from .api_suggestions import suggestions_api
from .api_tasks import tasks_api
from .commands_base import UowFactory


def management_routers(
    *, config: TocsinConfig, uow_factory: UowFactory, clock: Clock
) -> list[APIRouter]:
    return [
        make(config=config, uow_factory=uow_factory, clock=clock)
        for make in (problems_api, links_api, tasks_api, known_errors_api, suggestions_api)
    ]
