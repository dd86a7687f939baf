"""What the incident service's entry points are built from: one object, made in bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.runtime import Runtime

from .adapters.postgres import IncidentUnitOfWork
from .settings import IncidentSettings


@dataclass(frozen=True)
class Deps:
    settings: IncidentSettings
    config: TocsinConfig
    clock: Clock
    runtime: Runtime

    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool

    def uow(self) -> IncidentUnitOfWork:
        return IncidentUnitOfWork(self.runtime.pool, topic_prefix=self.settings.topic_prefix)

    def uow_on(self, conn: DbConnection) -> IncidentUnitOfWork:
        """A unit of work inside an open transaction (a timer handler's)."""
        return IncidentUnitOfWork(None, topic_prefix=self.settings.topic_prefix, connection=conn)

    @property
    def uow_factory(self) -> Callable[[], IncidentUnitOfWork]:
        return self.uow
