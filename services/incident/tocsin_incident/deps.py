"""What the incident service's entry points are built from: one object, made in bootstrap."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import asyncpg
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.runtime import Runtime

from .adapters.links import LinkUnitOfWork
from .adapters.postgres import IncidentUnitOfWork
from .adapters.problems import ProblemUnitOfWork
from .domain.timers import LifecyclePolicy, lifecycle_policies
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
        return IncidentUnitOfWork(
            self.runtime.pool, topic_prefix=self.settings.topic_prefix, policies=self.policies
        )

    def link_uow(self) -> LinkUnitOfWork:
        """A unit of work that also sees used action links and takes timeline notes."""
        return LinkUnitOfWork(
            self.runtime.pool, topic_prefix=self.settings.topic_prefix, policies=self.policies
        )

    def problem_uow(self) -> ProblemUnitOfWork:
        """A unit of work that also keeps an incident's problem and known workaround."""
        return ProblemUnitOfWork(
            self.runtime.pool, topic_prefix=self.settings.topic_prefix, policies=self.policies
        )

    def uow_on(self, conn: DbConnection) -> IncidentUnitOfWork:
        """A unit of work inside an open transaction (a timer handler's)."""
        return IncidentUnitOfWork(
            None, topic_prefix=self.settings.topic_prefix, connection=conn, policies=self.policies
        )

    @property
    def policies(self) -> Mapping[str, LifecyclePolicy]:
        """Each service's lifecycle timers (ack timeout, auto-resolve), from the config."""
        return lifecycle_policies(self.config)

    @property
    def uow_factory(self) -> Callable[[], IncidentUnitOfWork]:
        return self.uow
