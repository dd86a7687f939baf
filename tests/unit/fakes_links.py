"""In-memory fakes of the incident service's link and timeline-note ports."""

from __future__ import annotations

from datetime import datetime
from typing import Self
from uuid import UUID

from tocsin_incident.domain.model import TimelineEntry

from .fakes_incident import FakeUnitOfWork, FakeWorld


class FakeUsedLinks:
    def __init__(self, used: dict[str, datetime]) -> None:
        self.used = dict(used)

    async def used_at(self, link_id: str) -> datetime | None:
        return self.used.get(link_id)

    async def claim(
        self, link_id: str, *, incident_id: UUID, action: str, actor_id: str, at: datetime
    ) -> datetime | None:
        if link_id in self.used:
            return self.used[link_id]
        self.used[link_id] = at
        return None


class FakeTimelineNotes:
    def __init__(self, world: LinkWorld) -> None:
        self._world = world
        self.added: list[tuple[UUID, TimelineEntry]] = []

    async def add(self, incident_id: UUID, entry: TimelineEntry) -> bool:
        if incident_id not in self._world.incidents.rows:
            return False
        self.added.append((incident_id, entry))
        return True


class FakeLinkUnitOfWork(FakeUnitOfWork):
    """Used links and notes, like the rest, reach the shared state only on commit."""

    def __init__(self, world: LinkWorld) -> None:
        super().__init__(world.incidents, world.inbox, world.published)
        self._world = world

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.links = FakeUsedLinks(self._world.used_links)
        self.notes = FakeTimelineNotes(self._world)
        return self

    async def commit(self) -> None:
        await super().commit()
        self._world.used_links.update(self.links.used)
        self._world.notes.extend(self.notes.added)


class LinkWorld(FakeWorld):
    def __init__(self) -> None:
        super().__init__()
        self.used_links: dict[str, datetime] = {}
        self.notes: list[tuple[UUID, TimelineEntry]] = []

    def link_uow(self) -> FakeLinkUnitOfWork:
        return FakeLinkUnitOfWork(self)
