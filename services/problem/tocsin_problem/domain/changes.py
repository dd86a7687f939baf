"""What every problem-management entity does alike: move by its transition table, take edits to
its editable fields."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from .problem_rules import ProblemConflict

State = TypeVar("State", bound=StrEnum)


def next_state(
    table: Mapping[tuple[State, Any], State], state: State, action: StrEnum, *, what: str
) -> State:
    """The table's target, or a conflict that says what cannot happen (HTTP 409)."""
    target = table.get((state, action))
    if target is None:
        raise ProblemConflict(f"cannot {action.value} {what} that is {state.value}")
    return target


def check_editable(changes: Mapping[str, Any], editable: frozenset[str]) -> None:
    unknown = set(changes) - editable
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")


def assign_changed(entity: object, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Set the fields whose value differs; return just those."""
    changed = {k: v for k, v in changes.items() if getattr(entity, k) != v}
    for name, value in changed.items():
        setattr(entity, name, value)
    return changed
