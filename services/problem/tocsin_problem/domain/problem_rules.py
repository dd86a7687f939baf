"""The problem's state machine and fields as data: the transition table, which resolution codes
may leave which states, what must be written before an action, which fields exist."""

from __future__ import annotations

from enum import StrEnum

from tocsin_shared.contracts.events import ProblemState, ResolutionCode

OPEN_STATES = frozenset(
    {
        ProblemState.NEW,
        ProblemState.ASSESS,
        ProblemState.ROOT_CAUSE_ANALYSIS,
        ProblemState.FIX_IN_PROGRESS,
    }
)


class Action(StrEnum):
    ASSESS = "assess"
    ANALYSE = "analyse"
    START_FIX = "start_fix"
    RESOLVE = "resolve"
    REANALYSE = "reanalyse"
    CLOSE = "close"


S = ProblemState
TRANSITIONS: dict[tuple[ProblemState, Action], ProblemState] = {
    (S.NEW, Action.ASSESS): S.ASSESS,
    (S.NEW, Action.ANALYSE): S.ROOT_CAUSE_ANALYSIS,
    (S.ASSESS, Action.ANALYSE): S.ROOT_CAUSE_ANALYSIS,
    (S.ROOT_CAUSE_ANALYSIS, Action.START_FIX): S.FIX_IN_PROGRESS,
    **{(state, Action.RESOLVE): S.RESOLVED for state in OPEN_STATES},
    (S.RESOLVED, Action.REANALYSE): S.ROOT_CAUSE_ANALYSIS,
    (S.RESOLVED, Action.CLOSE): S.CLOSED,
}
# Which open states each resolution code may leave from.
RESOLVABLE_FROM: dict[ResolutionCode, frozenset[ProblemState]] = {
    ResolutionCode.FIX_APPLIED: frozenset({S.FIX_IN_PROGRESS}),
    ResolutionCode.RISK_ACCEPTED: frozenset({S.ASSESS, S.ROOT_CAUSE_ANALYSIS, S.FIX_IN_PROGRESS}),
    ResolutionCode.DUPLICATE: OPEN_STATES,
    ResolutionCode.CANCELLED: OPEN_STATES,
}
# What must be written down before an action (ServiceNow asks the same).
REQUIRED_NOTES: dict[Action, str] = {Action.START_FIX: "cause_notes"}
EDITABLE_ORDER = (
    "statement",
    "description",
    "service",
    "component",
    "category",
    "impact",
    "urgency",
    "priority",
    "assignee",
    "workaround",
    "cause_notes",
    "cause_code",
    "fix_notes",
)
EDITABLE = frozenset(EDITABLE_ORDER)

# Every field a problem keeps besides its id and number: what is stored and what is shown.
RECORDED = (
    *EDITABLE_ORDER,
    "origin",
    "rule",
    "recurrence_key",
    "state",
    "resolution",
    "duplicate_of",
    "state_times",
    "created_at",
    "updated_at",
    "version",
)


class ProblemConflict(Exception):
    """A transition or change the problem's state does not allow (HTTP 409)."""
