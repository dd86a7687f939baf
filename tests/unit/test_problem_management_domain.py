"""Problem management domain: every transition of every table, legal and illegal, and the rules
around resolution codes, tasks, known errors and suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product
from uuid import uuid4

import pytest
from tocsin_problem.domain.known_errors import (
    KNOWN_ERROR_TRANSITIONS,
    KnownError,
    KnownErrorAction,
    KnownErrorState,
    Signature,
)
from tocsin_problem.domain.links import (
    SUGGESTION_TRANSITIONS,
    Decision,
    Suggestion,
    SuggestionStatus,
)
from tocsin_problem.domain.problem import (
    RESOLVABLE_FROM,
    TRANSITIONS,
    Action,
    Problem,
    ProblemConflict,
)
from tocsin_problem.domain.tasks import (
    TASK_TRANSITIONS,
    ProblemTask,
    TaskAction,
    TaskKind,
    TaskState,
)
from tocsin_shared.contracts.events import (
    Actor,
    KnownErrorChangedV1,
    LinkOrigin,
    LinkReason,
    ProblemOrigin,
    ProblemResolvedV1,
    ProblemState,
    ProblemStateChangedV1,
    ProblemSuggestionDecidedV1,
    ProblemTaskChangedV1,
    ResolutionCode,
)

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
ALICE = Actor(kind="user", id="alice")
S = ProblemState


def problem_in(state: ProblemState, **fields: object) -> Problem:
    problem = Problem.open(
        problem_id=uuid4(),
        number=7,
        statement="db pool exhausted",
        origin=ProblemOrigin.MANUAL,
        actor=ALICE,
        now=NOW,
    )
    problem.state = state
    for name, value in fields.items():
        setattr(problem, name, value)
    problem.events.clear()
    return problem


def _args(action: Action, state: ProblemState) -> dict[str, object]:
    """A resolution code that this state may use, so only the table decides."""
    if action is not Action.RESOLVE:
        return {}
    code = next(
        (c for c, froms in RESOLVABLE_FROM.items() if state in froms), ResolutionCode.CANCELLED
    )
    return {
        "resolution": code,
        "duplicate_of": uuid4() if code is ResolutionCode.DUPLICATE else None,
    }


@pytest.mark.parametrize(("state", "action"), list(product(ProblemState, Action)))
def test_problem_moves_only_by_its_table(state: ProblemState, action: Action) -> None:
    problem = problem_in(state, cause_notes="pool too small", fix_notes="pool raised")
    target = TRANSITIONS.get((state, action))
    if target is None:
        with pytest.raises(ProblemConflict, match=f"cannot {action.value} PRB7"):
            problem.apply(action, actor=ALICE, now=NOW, **_args(action, state))
        assert problem.state is state and not problem.events
        return
    problem.apply(action, actor=ALICE, now=NOW + timedelta(hours=1), **_args(action, state))
    assert problem.state is target
    assert problem.state_times[target.value] == NOW + timedelta(hours=1)
    changed = problem.events[0]
    assert isinstance(changed, ProblemStateChangedV1)
    assert (changed.previous_state, changed.state, changed.actor) == (state, target, ALICE)


@pytest.mark.parametrize(
    ("code", "state"),
    list(product(ResolutionCode, [s for s in ProblemState if (s, Action.RESOLVE) in TRANSITIONS])),
)
def test_each_resolution_code_leaves_only_from_its_states(
    code: ResolutionCode, state: ProblemState
) -> None:
    problem = problem_in(state, fix_notes="pool raised")
    survivor = uuid4() if code is ResolutionCode.DUPLICATE else None
    waiting = (uuid4(),)
    if state not in RESOLVABLE_FROM[code]:
        with pytest.raises(ProblemConflict, match=f"as {code}"):
            problem.apply(
                Action.RESOLVE, actor=ALICE, now=NOW, resolution=code, duplicate_of=survivor
            )
        return
    problem.apply(
        Action.RESOLVE,
        actor=ALICE,
        now=NOW,
        resolution=code,
        duplicate_of=survivor,
        waiting_incident_ids=waiting,
    )
    resolved = problem.events[-1]
    assert isinstance(resolved, ProblemResolvedV1)
    assert (resolved.resolution, resolved.duplicate_of) == (code, survivor)
    assert resolved.waiting_incident_ids == waiting


def test_resolution_rules_name_what_is_missing() -> None:
    fixing = problem_in(S.FIX_IN_PROGRESS)
    with pytest.raises(ProblemConflict, match="fix_applied needs fix_notes"):
        fixing.apply(Action.RESOLVE, actor=ALICE, now=NOW, resolution=ResolutionCode.FIX_APPLIED)
    with pytest.raises(ValueError, match="needs a resolution"):
        fixing.apply(Action.RESOLVE, actor=ALICE, now=NOW)
    with pytest.raises(ValueError, match="duplicate_of goes with"):
        fixing.apply(Action.RESOLVE, actor=ALICE, now=NOW, resolution=ResolutionCode.DUPLICATE)
    with pytest.raises(ValueError, match="itself"):
        fixing.apply(
            Action.RESOLVE,
            actor=ALICE,
            now=NOW,
            resolution=ResolutionCode.DUPLICATE,
            duplicate_of=fixing.id,
        )
    analysing = problem_in(S.ROOT_CAUSE_ANALYSIS)
    with pytest.raises(ProblemConflict, match="start_fix needs cause_notes"):
        analysing.apply(Action.START_FIX, actor=ALICE, now=NOW)
    with pytest.raises(ValueError, match="takes no resolution"):
        problem_in(S.NEW).apply(
            Action.ASSESS, actor=ALICE, now=NOW, resolution=ResolutionCode.CANCELLED
        )
    assert fixing.state is S.FIX_IN_PROGRESS and not fixing.events


def test_reanalyse_clears_the_resolution() -> None:
    problem = problem_in(S.RESOLVED, resolution=ResolutionCode.DUPLICATE, duplicate_of=uuid4())
    problem.apply(Action.REANALYSE, actor=ALICE, now=NOW)
    assert (problem.state, problem.resolution, problem.duplicate_of) == (
        S.ROOT_CAUSE_ANALYSIS,
        None,
        None,
    )


def _task(state: TaskState) -> ProblemTask:
    task = ProblemTask.create(
        task_id=uuid4(),
        problem_id=uuid4(),
        kind=TaskKind.ROOT_CAUSE_ANALYSIS,
        title="find the leak",
        actor=ALICE,
        now=NOW,
    )
    task.state = state
    task.events.clear()
    return task


@pytest.mark.parametrize(("state", "action"), list(product(TaskState, TaskAction)))
def test_task_moves_only_by_its_table(state: TaskState, action: TaskAction) -> None:
    task = _task(state)
    target = TASK_TRANSITIONS.get((state, action))
    if target is None:
        with pytest.raises(ProblemConflict, match=f"cannot {action.value} a task"):
            task.apply(action, actor=ALICE, now=NOW)
        assert task.state is state and not task.events
        return
    task.apply(action, actor=ALICE, now=NOW)
    event = task.events[0]
    assert task.state is target
    assert isinstance(event, ProblemTaskChangedV1)
    assert (event.previous_state, event.state) == (state.value, target.value)


def test_a_task_is_created_open_and_finished_tasks_are_not_edited() -> None:
    task = ProblemTask.create(
        task_id=uuid4(), problem_id=uuid4(), kind=TaskKind.GENERAL, title="t", actor=ALICE, now=NOW
    )
    assert task.state is TaskState.OPEN
    assert task.events[0].previous_state is None
    task.update({"assignee": "bob"}, actor=ALICE, now=NOW)
    assert task.events[-1].changes == {"assignee": "bob"}
    with pytest.raises(ValueError, match="not editable: state"):
        task.update({"state": "done"}, actor=ALICE, now=NOW)
    with pytest.raises(ProblemConflict, match="no longer changes"):
        _task(TaskState.DONE).update({"title": "x"}, actor=ALICE, now=NOW)


def _known(state: KnownErrorState) -> KnownError:
    known = KnownError.create(
        known_error_id=uuid4(),
        problem_id=uuid4(),
        title="pool exhausted",
        signature=Signature(pattern="connection pool exhausted on <*>", service="checkout"),
        workaround="restart the pool",
        actor=ALICE,
        now=NOW,
    )
    known.state = state
    known.events.clear()
    return known


@pytest.mark.parametrize(("state", "action"), list(product(KnownErrorState, KnownErrorAction)))
def test_known_error_moves_only_by_its_table(
    state: KnownErrorState, action: KnownErrorAction
) -> None:
    known = _known(state)
    target = KNOWN_ERROR_TRANSITIONS.get((state, action))
    if target is None:
        with pytest.raises(ProblemConflict, match=f"cannot {action.value}"):
            known.apply(action, actor=ALICE, now=NOW)
        assert known.state is state and not known.events
        return
    known.apply(action, actor=ALICE, now=NOW)
    event = known.events[0]
    assert isinstance(event, KnownErrorChangedV1)
    assert (event.previous_state, event.state) == (state.value, target.value)


def test_signature_matches_service_template_and_a_subset_of_labels() -> None:
    sig = Signature(
        pattern="Connection pool exhausted on <*>", service="checkout", labels={"env": "prod"}
    )
    template = "connection pool exhausted on db-<*>"
    assert sig.matches("checkout", template, {"env": "prod", "region": "eu"})
    assert not sig.matches("payments", template, {"env": "prod"})
    assert not sig.matches("checkout", template, {"env": "staging"})
    assert not sig.matches("checkout", "disk full on db-<*>", {"env": "prod"})
    anywhere = Signature(pattern="disk full on <*>")
    assert anywhere.matches("anything", "disk full on db-<*>", {})
    with pytest.raises(ValueError, match="literal word"):
        Signature(pattern="<*> 42")


def test_known_error_edits_record_the_new_signature() -> None:
    known = _known(KnownErrorState.DRAFT)
    new = Signature(pattern="pool exhausted <*>")
    known.update({"signature": new}, actor=ALICE, now=NOW)
    assert known.events[-1].changes == {"signature": new.as_dict()}
    with pytest.raises(ValueError, match="not editable: problem_id"):
        known.update({"problem_id": uuid4()}, actor=ALICE, now=NOW)


@pytest.mark.parametrize(("status", "decision"), list(product(SuggestionStatus, Decision)))
def test_suggestion_moves_only_by_its_table(status: SuggestionStatus, decision: Decision) -> None:
    suggestion = Suggestion.propose(
        suggestion_id=uuid4(),
        problem_id=uuid4(),
        incident_id=uuid4(),
        template="pool exhausted on <*>",
        score=0.7,
        reason=LinkReason(origin=LinkOrigin.SIMILARITY, score=0.7),
        actor=ALICE,
        now=NOW,
    )
    suggestion.status = status
    suggestion.events.clear()
    target = SUGGESTION_TRANSITIONS.get((status, decision))
    if target is None:
        with pytest.raises(ProblemConflict):
            suggestion.decide(decision, actor=ALICE, now=NOW)
        assert suggestion.status is status
        return
    suggestion.decide(decision, actor=ALICE, now=NOW)
    assert suggestion.status is target and suggestion.decided_by == ALICE
    if decision is Decision.OBSOLETE:
        assert not suggestion.events
    else:
        event = suggestion.events[0]
        assert isinstance(event, ProblemSuggestionDecidedV1)
        assert event.accepted is (decision is Decision.ACCEPT)
    link = suggestion.as_link(actor=ALICE, now=NOW)
    assert link.origin is LinkOrigin.SUGGESTION and link.reason.score == 0.7
