"""Problem aggregate (ITIL 4 / ServiceNow states): transitions as a table, every change an event.

new → assess → root cause analysis → fix in progress → resolved → closed. Resolving names a code:
a fix applied (from fix in progress, with fix notes), risk accepted, duplicate (of a surviving
problem) or cancelled (from any open state). A resolved problem can be re-analysed or closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from tocsin_shared.contracts.events import (
    Actor,
    EventData,
    LinkReason,
    ProblemCreatedV1,
    ProblemOrigin,
    ProblemResolvedV1,
    ProblemState,
    ProblemStateChangedV1,
    ProblemUpdatedV1,
    ResolutionCode,
)

from .changes import assign_changed, check_editable
from .problem_rules import (
    EDITABLE,
    EDITABLE_ORDER,
    OPEN_STATES,
    RECORDED,
    REQUIRED_NOTES,
    RESOLVABLE_FROM,
    TRANSITIONS,
    Action,
    ProblemConflict,
)

__all__ = [
    "EDITABLE",
    "EDITABLE_ORDER",
    "OPEN_STATES",
    "RECORDED",
    "REQUIRED_NOTES",
    "RESOLVABLE_FROM",
    "SYSTEM",
    "TRANSITIONS",
    "Action",
    "Problem",
    "ProblemConflict",
]

SYSTEM = Actor(kind="system", id="tocsin-problem")


@dataclass
class Problem:
    id: UUID
    number: int
    statement: str
    origin: ProblemOrigin
    state: ProblemState
    created_at: datetime
    updated_at: datetime
    description: str = ""
    service: str | None = None
    component: str | None = None
    category: str | None = None
    impact: str | None = None
    urgency: str | None = None
    priority: str | None = None
    assignee: str | None = None
    workaround: str | None = None
    cause_notes: str | None = None
    cause_code: str | None = None
    fix_notes: str | None = None
    rule: str | None = None
    recurrence_key: str | None = None
    resolution: ResolutionCode | None = None
    duplicate_of: UUID | None = None
    state_times: dict[str, datetime] = field(default_factory=dict)
    version: int = 1
    events: list[EventData] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def open(
        cls,
        *,
        problem_id: UUID,
        number: int,
        statement: str,
        origin: ProblemOrigin,
        actor: Actor,
        now: datetime,
        service: str | None = None,
        rule: str | None = None,
        recurrence_key: str | None = None,
        reason: LinkReason | None = None,
        fields: dict[str, Any] | None = None,
    ) -> Problem:
        problem = cls(
            id=problem_id,
            number=number,
            statement=statement,
            origin=origin,
            state=ProblemState.NEW,
            created_at=now,
            updated_at=now,
            service=service,
            rule=rule,
            recurrence_key=recurrence_key,
            state_times={ProblemState.NEW.value: now},
            **(fields or {}),
        )
        problem.events.append(
            ProblemCreatedV1(
                problem_id=problem_id,
                occurred_at=now,
                actor=actor,
                number=number,
                statement=statement,
                service=service,
                origin=origin,
                recurrence_key=recurrence_key,
                priority=problem.priority,
                reason=reason,
            )
        )
        return problem

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def update(self, changes: dict[str, Any], *, actor: Actor, now: datetime) -> None:
        check_editable(changes, EDITABLE)
        if self.state == ProblemState.CLOSED:
            raise ProblemConflict(f"PRB{self.number} is closed; re-open it by a new problem")
        changed = assign_changed(self, changes)
        if not changed:
            return
        self._touch(now)
        self.events.append(
            ProblemUpdatedV1(problem_id=self.id, occurred_at=now, actor=actor, changes=changed)
        )

    def apply(
        self,
        action: Action,
        *,
        actor: Actor,
        now: datetime,
        resolution: ResolutionCode | None = None,
        duplicate_of: UUID | None = None,
        waiting_incident_ids: tuple[UUID, ...] = (),
    ) -> None:
        """Move by the table; a resolution names its code. Links move and tasks close in the
        handler, which sees the other rows."""
        target = TRANSITIONS.get((self.state, action))
        if target is None:
            raise ProblemConflict(f"cannot {action.value} PRB{self.number} in state {self.state}")
        self._check(action, resolution=resolution, duplicate_of=duplicate_of)
        previous = self.state
        self.state = target
        self.state_times[target.value] = now
        if action is Action.RESOLVE:
            self.resolution, self.duplicate_of = resolution, duplicate_of
        elif action is Action.REANALYSE:
            self.resolution, self.duplicate_of = None, None
        self._touch(now)
        self.events.append(
            ProblemStateChangedV1(
                problem_id=self.id,
                occurred_at=now,
                actor=actor,
                action=action.value,
                previous_state=previous,
                state=target,
                resolution=self.resolution,
                duplicate_of=self.duplicate_of,
            )
        )
        if action is Action.RESOLVE and resolution is not None:
            self.events.append(
                ProblemResolvedV1(
                    problem_id=self.id,
                    occurred_at=now,
                    actor=actor,
                    number=self.number,
                    statement=self.statement,
                    resolution=resolution,
                    fix_notes=self.fix_notes,
                    duplicate_of=duplicate_of,
                    waiting_incident_ids=waiting_incident_ids,
                )
            )

    def _check(
        self,
        action: Action,
        *,
        resolution: ResolutionCode | None,
        duplicate_of: UUID | None,
    ) -> None:
        note = REQUIRED_NOTES.get(action)
        if note and not getattr(self, note):
            raise ProblemConflict(f"{action.value} needs {note} on PRB{self.number} first")
        if action is not Action.RESOLVE:
            if resolution is not None or duplicate_of is not None:
                raise ValueError(f"{action.value} takes no resolution")
            return
        if resolution is None:
            raise ValueError("resolve needs a resolution code")
        if self.state not in RESOLVABLE_FROM[resolution]:
            raise ProblemConflict(
                f"cannot resolve PRB{self.number} as {resolution} from state {self.state}"
            )
        if resolution is ResolutionCode.FIX_APPLIED and not self.fix_notes:
            raise ProblemConflict(f"fix_applied needs fix_notes on PRB{self.number} first")
        if (resolution is ResolutionCode.DUPLICATE) != (duplicate_of is not None):
            raise ValueError("duplicate_of goes with the resolution duplicate, and only with it")
        if duplicate_of == self.id:
            raise ValueError("a problem cannot be a duplicate of itself")

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
