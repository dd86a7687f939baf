"""Problem tasks: root-cause analysis or general work, each with its own small state machine.

open → in_progress → done; open or in_progress → cancelled. A finished task (done, cancelled) no
longer changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from tocsin_shared.contracts.events import Actor, ProblemTaskChangedV1

from .changes import assign_changed, check_editable, next_state
from .problem import ProblemConflict


class TaskKind(StrEnum):
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis"
    GENERAL = "general"


class TaskState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskAction(StrEnum):
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"


TASK_TRANSITIONS: dict[tuple[TaskState, TaskAction], TaskState] = {
    (TaskState.OPEN, TaskAction.START): TaskState.IN_PROGRESS,
    (TaskState.IN_PROGRESS, TaskAction.COMPLETE): TaskState.DONE,
    (TaskState.OPEN, TaskAction.CANCEL): TaskState.CANCELLED,
    (TaskState.IN_PROGRESS, TaskAction.CANCEL): TaskState.CANCELLED,
}
UNFINISHED = frozenset({TaskState.OPEN, TaskState.IN_PROGRESS})
TASK_EDITABLE = frozenset({"title", "description", "assignee"})


@dataclass
class ProblemTask:
    id: UUID
    problem_id: UUID
    kind: TaskKind
    title: str
    state: TaskState
    created_at: datetime
    updated_at: datetime
    description: str = ""
    assignee: str | None = None
    events: list[ProblemTaskChangedV1] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        task_id: UUID,
        problem_id: UUID,
        kind: TaskKind,
        title: str,
        actor: Actor,
        now: datetime,
        description: str = "",
        assignee: str | None = None,
    ) -> ProblemTask:
        task = cls(
            id=task_id,
            problem_id=problem_id,
            kind=kind,
            title=title,
            state=TaskState.OPEN,
            created_at=now,
            updated_at=now,
            description=description,
            assignee=assignee,
        )
        task._record(actor=actor, now=now, previous=None)
        return task

    @property
    def unfinished(self) -> bool:
        return self.state in UNFINISHED

    def apply(self, action: TaskAction, *, actor: Actor, now: datetime) -> None:
        target = next_state(TASK_TRANSITIONS, self.state, action, what="a task")
        previous = self.state
        self.state = target
        self.updated_at = now
        self._record(actor=actor, now=now, previous=previous)

    def update(self, changes: dict[str, Any], *, actor: Actor, now: datetime) -> None:
        check_editable(changes, TASK_EDITABLE)
        if not self.unfinished:
            raise ProblemConflict(f"a task that is {self.state.value} no longer changes")
        changed = assign_changed(self, changes)
        if not changed:
            return
        self.updated_at = now
        self._record(actor=actor, now=now, previous=self.state, changes=changed)

    def _record(
        self,
        *,
        actor: Actor,
        now: datetime,
        previous: TaskState | None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            ProblemTaskChangedV1(
                problem_id=self.problem_id,
                occurred_at=now,
                actor=actor,
                task_id=self.id,
                kind=self.kind.value,
                title=self.title,
                state=self.state.value,
                previous_state=previous.value if previous else None,
                changes=changes or {},
            )
        )
