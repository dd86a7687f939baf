"""Known errors: a problem's symptom signature, root cause and workaround.

A known error belongs to a problem. Published, its signature links new matching incidents and its
workaround reaches the page; retired, it matches nothing. draft → published | retired;
published → retired; retired → published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from tocsin_shared.contracts.events import Actor, KnownErrorChangedV1

from .changes import assign_changed, check_editable, next_state
from .templates import WILDCARD, matches, template_of


class KnownErrorState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class KnownErrorAction(StrEnum):
    PUBLISH = "publish"
    RETIRE = "retire"


KE = KnownErrorState
KNOWN_ERROR_TRANSITIONS: dict[tuple[KnownErrorState, KnownErrorAction], KnownErrorState] = {
    (KE.DRAFT, KnownErrorAction.PUBLISH): KE.PUBLISHED,
    (KE.DRAFT, KnownErrorAction.RETIRE): KE.RETIRED,
    (KE.PUBLISHED, KnownErrorAction.RETIRE): KE.RETIRED,
    (KE.RETIRED, KnownErrorAction.PUBLISH): KE.PUBLISHED,
}
KNOWN_ERROR_EDITABLE = frozenset({"title", "signature", "root_cause", "workaround"})


@dataclass(frozen=True)
class Signature:
    """What an incident must show: a summary template pattern (`<*>` for any words), optionally
    one service and labels that must all be present with these values."""

    pattern: str
    service: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A pattern of wildcards alone would match every incident of its scope.
        if not template_of(self.pattern).replace(WILDCARD, "").strip():
            raise ValueError("a signature pattern needs at least one literal word")

    def matches(self, service: str, template: str, labels: dict[str, str]) -> bool:
        if self.service is not None and self.service != service:
            return False
        if any(labels.get(k) != v for k, v in self.labels.items()):
            return False
        return matches(self.pattern, template)

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service, "pattern": self.pattern, "labels": dict(self.labels)}

    @classmethod
    def of(cls, data: dict[str, Any]) -> Signature:
        return cls(
            pattern=data["pattern"],
            service=data.get("service"),
            labels=dict(data.get("labels") or {}),
        )


@dataclass
class KnownError:
    id: UUID
    problem_id: UUID
    title: str
    signature: Signature
    workaround: str
    state: KnownErrorState
    created_at: datetime
    updated_at: datetime
    root_cause: str = ""
    events: list[KnownErrorChangedV1] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        known_error_id: UUID,
        problem_id: UUID,
        title: str,
        signature: Signature,
        workaround: str,
        actor: Actor,
        now: datetime,
        root_cause: str = "",
    ) -> KnownError:
        known = cls(
            id=known_error_id,
            problem_id=problem_id,
            title=title,
            signature=signature,
            workaround=workaround,
            state=KE.DRAFT,
            created_at=now,
            updated_at=now,
            root_cause=root_cause,
        )
        known._record(actor=actor, now=now, previous=None)
        return known

    def matches(self, service: str, template: str, labels: dict[str, str]) -> bool:
        """Whether an incident shows this known error's symptoms (whatever its state)."""
        return self.signature.matches(service, template, labels)

    def apply(self, action: KnownErrorAction, *, actor: Actor, now: datetime) -> None:
        target = next_state(KNOWN_ERROR_TRANSITIONS, self.state, action, what="a known error")
        previous = self.state
        self.state = target
        self.updated_at = now
        self._record(actor=actor, now=now, previous=previous)

    def update(self, changes: dict[str, Any], *, actor: Actor, now: datetime) -> None:
        check_editable(changes, KNOWN_ERROR_EDITABLE)
        changed = assign_changed(self, changes)
        if not changed:
            return
        self.updated_at = now
        shown = {k: v.as_dict() if isinstance(v, Signature) else v for k, v in changed.items()}
        self._record(actor=actor, now=now, previous=self.state, changes=shown)

    def _record(
        self,
        *,
        actor: Actor,
        now: datetime,
        previous: KnownErrorState | None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            KnownErrorChangedV1(
                problem_id=self.problem_id,
                occurred_at=now,
                actor=actor,
                known_error_id=self.id,
                title=self.title,
                state=self.state.value,
                previous_state=previous.value if previous else None,
                changes=changes or {},
            )
        )
