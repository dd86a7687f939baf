"""In-memory fake of the incident service's problem-reference port."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from tocsin_incident.domain.problems import ProblemRef

from .fakes_links import FakeLinkUnitOfWork, LinkWorld


class FakeIncidentProblems:
    def __init__(self, world: ProblemWorld) -> None:
        self._world = world
        self.problems = dict(world.problems)
        self.workarounds = dict(world.workarounds)

    async def link(self, incident_id: UUID, problem: ProblemRef) -> bool:
        if incident_id not in self._world.incidents.rows:
            return False
        self.problems[incident_id] = problem
        return True

    async def known_error(self, incident_id: UUID, *, problem: ProblemRef, workaround: str) -> bool:
        if incident_id not in self._world.incidents.rows:
            return False
        linked = self.problems.get(incident_id)
        if linked is None or linked.id != problem.id:
            self.problems[incident_id] = problem
        self.workarounds[incident_id] = workaround
        return True


class FakeProblemUnitOfWork(FakeLinkUnitOfWork):
    def __init__(self, world: ProblemWorld) -> None:
        super().__init__(world)
        self._problem_world = world

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.problems = FakeIncidentProblems(self._problem_world)
        return self

    async def commit(self) -> None:
        await super().commit()
        self._problem_world.problems = self.problems.problems
        self._problem_world.workarounds = self.problems.workarounds


class ProblemWorld(LinkWorld):
    def __init__(self) -> None:
        super().__init__()
        self.problems: dict[UUID, ProblemRef] = {}
        self.workarounds: dict[UUID, str] = {}

    def problem_uow(self) -> FakeProblemUnitOfWork:
        return FakeProblemUnitOfWork(self)
