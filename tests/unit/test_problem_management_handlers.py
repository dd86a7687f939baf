"""Problem management commands over the in-memory adapters: events with their actor, history,
cancelled tasks, duplicates moving links, link conflicts, suggestions, and nothing half-done."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from tocsin_problem.adapters.memory import MemoryStore
from tocsin_problem.commands import (
    CreateProblem,
    TransitionProblem,
    UpdateProblem,
    create_problem,
    transition_problem,
    update_problem,
)
from tocsin_problem.commands_base import LinkConflict, NotFound
from tocsin_problem.commands_links import (
    LinkIncident,
    UnlinkIncident,
    link_incident,
    unlink_incident,
)
from tocsin_problem.commands_work import (
    CreateTask,
    DecideSuggestion,
    TransitionTask,
    create_task,
    decide_suggestion,
    transition_task,
)
from tocsin_problem.domain.links import Decision, Suggestion, SuggestionStatus
from tocsin_problem.domain.observed import ObservedIncident
from tocsin_problem.domain.problem import Action, ProblemConflict
from tocsin_problem.domain.tasks import TaskAction, TaskKind, TaskState
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.events import (
    Actor,
    IncidentStatus,
    LinkOrigin,
    LinkReason,
    ProblemIncidentLinkedV1,
    ProblemIncidentUnlinkedV1,
    ProblemResolvedV1,
    ResolutionCode,
    Severity,
)

CLOCK = FakeClock(datetime(2026, 3, 1, 9, tzinfo=UTC))
ALICE = Actor(kind="user", id="alice")


async def _seen(store: MemoryStore, status: IncidentStatus = IncidentStatus.TRIGGERED) -> UUID:
    incident = ObservedIncident(
        incident_id=uuid4(),
        service="checkout",
        dedup_key="pool",
        summary="Connection pool exhausted on db-3",
        severity=Severity.ERROR,
        status=status,
        triggered_at=CLOCK.now(),
        updated_at=CLOCK.now(),
        last_event_type="tocsin.incident.triggered.v1",
    )
    async with store.uow() as uow:
        await uow.observed.put(incident)
        await uow.commit()
    return incident.incident_id


async def _problem(store: MemoryStore, statement: str = "pool exhausted") -> UUID:
    made = await create_problem(
        CreateProblem(statement=statement, actor=ALICE, fields={"service": "checkout"}),
        uow_factory=store.uow,
        clock=CLOCK,
    )
    return made.id


async def _link(
    store: MemoryStore, problem_id: UUID, incident_id: UUID, move: bool = False
) -> None:
    await link_incident(
        LinkIncident(problem_id=problem_id, incident_id=incident_id, actor=ALICE, move=move),
        uow_factory=store.uow,
        clock=CLOCK,
    )


async def _act(store: MemoryStore, problem_id: UUID, action: Action, **kw: object) -> None:
    await transition_problem(
        TransitionProblem(problem_id=problem_id, action=action, actor=ALICE, **kw),  # type: ignore[arg-type]
        uow_factory=store.uow,
        clock=CLOCK,
    )


async def test_every_change_is_an_event_with_its_actor_in_the_history() -> None:
    store = MemoryStore()
    problem_id = await _problem(store)
    await update_problem(
        UpdateProblem(problem_id=problem_id, changes={"assignee": "bob"}, actor=ALICE),
        uow_factory=store.uow,
        clock=CLOCK,
    )
    await _act(store, problem_id, Action.ASSESS)
    async with store.uow() as uow:
        history = await uow.history.of_problem(problem_id)
        problem = await uow.problems.get(problem_id)
    assert [h.type for h in history] == [
        "tocsin.problem.created.v1",
        "tocsin.problem.updated.v1",
        "tocsin.problem.state_changed.v1",
    ]
    assert {h.actor for h in history} == {ALICE}
    assert [e.ce_type() for e in store.events] == [h.type for h in history]
    assert problem is not None and problem.number == 1 and problem.assignee == "bob"


async def test_close_cancels_unfinished_tasks_only() -> None:
    store = MemoryStore()
    problem_id = await _problem(store)
    tasks = [
        await create_task(
            CreateTask(problem_id=problem_id, kind=TaskKind.GENERAL, title=t, actor=ALICE),
            uow_factory=store.uow,
            clock=CLOCK,
        )
        for t in ("open", "started", "finished")
    ]
    for task, actions in zip(tasks, ((), ("start",), ("start", "complete")), strict=True):
        for action in actions:
            await transition_task(
                TransitionTask(task_id=task.id, action=TaskAction(action), actor=ALICE),
                uow_factory=store.uow,
                clock=CLOCK,
            )
    await _act(store, problem_id, Action.RESOLVE, resolution=ResolutionCode.CANCELLED)
    async with store.uow() as uow:
        states = [t.state for t in await uow.tasks.of_problem(problem_id)]
    assert states == [TaskState.CANCELLED, TaskState.CANCELLED, TaskState.DONE]
    await _act(store, problem_id, Action.CLOSE)
    with pytest.raises(ProblemConflict, match="closed"):
        await create_task(
            CreateTask(problem_id=problem_id, kind=TaskKind.GENERAL, title="x", actor=ALICE),
            uow_factory=store.uow,
            clock=CLOCK,
        )


async def test_resolving_with_a_fix_names_the_incidents_still_waiting() -> None:
    store = MemoryStore()
    problem_id = await _problem(store)
    waiting, done = await _seen(store), await _seen(store, IncidentStatus.RESOLVED)
    await _link(store, problem_id, waiting)
    await _link(store, problem_id, done)
    await update_problem(
        UpdateProblem(
            problem_id=problem_id,
            changes={"cause_notes": "pool too small", "fix_notes": "pool raised"},
            actor=ALICE,
        ),
        uow_factory=store.uow,
        clock=CLOCK,
    )
    for action in (Action.ANALYSE, Action.START_FIX):
        await _act(store, problem_id, action)
    await _act(store, problem_id, Action.RESOLVE, resolution=ResolutionCode.FIX_APPLIED)
    resolved = store.events[-1]
    assert isinstance(resolved, ProblemResolvedV1)
    assert resolved.waiting_incident_ids == (waiting,)


async def test_a_duplicate_moves_its_links_and_its_pending_suggestions_lapse() -> None:
    store = MemoryStore()
    duplicate, survivor = await _problem(store, "dup"), await _problem(store, "survivor")
    incidents = [await _seen(store), await _seen(store)]
    for incident_id in incidents:
        await _link(store, duplicate, incident_id)
    suggestion = Suggestion.propose(
        suggestion_id=uuid4(),
        problem_id=duplicate,
        incident_id=uuid4(),
        template="t <*>",
        score=0.6,
        reason=LinkReason(origin=LinkOrigin.SIMILARITY, score=0.6),
        actor=ALICE,
        now=CLOCK.now(),
    )
    async with store.uow() as uow:
        assert await uow.suggestions.add(suggestion)
        assert not await uow.suggestions.add(suggestion)
        await uow.commit()
    before = len(store.events)

    await _act(
        store, duplicate, Action.RESOLVE, resolution=ResolutionCode.DUPLICATE, duplicate_of=survivor
    )

    async with store.uow() as uow:
        moved = await uow.links.of_problem(survivor)
        assert not await uow.links.of_problem(duplicate)
        lapsed = await uow.suggestions.get(suggestion.id)
    assert {link.incident_id for link in moved} == set(incidents)
    assert all("moved from PRB1" in (link.reason.note or "") for link in moved)
    assert lapsed is not None and lapsed.status is SuggestionStatus.OBSOLETE
    new = store.events[before:]
    unlinked = [e for e in new if isinstance(e, ProblemIncidentUnlinkedV1)]
    linked = [e for e in new if isinstance(e, ProblemIncidentLinkedV1)]
    assert {(e.problem_id, e.moved_to) for e in unlinked} == {(duplicate, survivor)}
    assert {(e.problem_id, e.incident_id) for e in linked} == {(survivor, i) for i in incidents}


async def test_a_duplicate_needs_an_open_existing_survivor_and_changes_nothing_otherwise() -> None:
    store = MemoryStore()
    duplicate, closed = await _problem(store), await _problem(store)
    await _act(store, closed, Action.RESOLVE, resolution=ResolutionCode.CANCELLED)
    before = len(store.events)
    with pytest.raises(NotFound, match="duplicate_of"):
        await _act(
            store,
            duplicate,
            Action.RESOLVE,
            resolution=ResolutionCode.DUPLICATE,
            duplicate_of=uuid4(),
        )
    with pytest.raises(ProblemConflict, match="open surviving problem"):
        await _act(
            store,
            duplicate,
            Action.RESOLVE,
            resolution=ResolutionCode.DUPLICATE,
            duplicate_of=closed,
        )
    assert len(store.events) == before


async def test_an_incident_linked_elsewhere_moves_only_when_asked() -> None:
    store = MemoryStore()
    first, second = await _problem(store), await _problem(store)
    incident_id = await _seen(store)
    await _link(store, first, incident_id)
    with pytest.raises(LinkConflict, match="linked to PRB1; pass move: true"):
        await _link(store, second, incident_id)
    with pytest.raises(LinkConflict):
        await _link(store, first, incident_id)
    with pytest.raises(NotFound, match="has not seen"):
        await _link(store, first, uuid4())
    await _link(store, second, incident_id, move=True)
    async with store.uow() as uow:
        link = await uow.links.of_incident(incident_id)
    assert link is not None and link.problem_id == second
    moved = store.events[-2]
    assert isinstance(moved, ProblemIncidentUnlinkedV1) and moved.moved_to == second
    with pytest.raises(NotFound, match="not linked to PRB1"):
        await unlink_incident(
            UnlinkIncident(problem_id=first, incident_id=incident_id, actor=ALICE),
            uow_factory=store.uow,
            clock=CLOCK,
        )


async def test_accepting_a_suggestion_links_and_rejecting_is_remembered() -> None:
    store = MemoryStore()
    problem_id = await _problem(store)
    accepted, rejected = await _seen(store), await _seen(store)
    ids = []
    async with store.uow() as uow:
        for incident_id, template in ((accepted, "a <*>"), (rejected, "b <*>")):
            suggestion = Suggestion.propose(
                suggestion_id=uuid4(),
                problem_id=problem_id,
                incident_id=incident_id,
                template=template,
                score=0.8,
                reason=LinkReason(origin=LinkOrigin.SIMILARITY, score=0.8),
                actor=ALICE,
                now=CLOCK.now(),
            )
            await uow.suggestions.add(suggestion)
            ids.append(suggestion.id)
        await uow.commit()
    for suggestion_id, decision in zip(ids, (Decision.ACCEPT, Decision.REJECT), strict=True):
        await decide_suggestion(
            DecideSuggestion(suggestion_id=suggestion_id, decision=decision, actor=ALICE),
            uow_factory=store.uow,
            clock=CLOCK,
        )
    async with store.uow() as uow:
        link = await uow.links.of_incident(accepted)
        assert await uow.links.of_incident(rejected) is None
        assert await uow.suggestions.is_rejected(problem_id, "b <*>")
        assert not await uow.suggestions.is_rejected(problem_id, "a <*>")
    assert link is not None and link.origin is LinkOrigin.SUGGESTION and link.confidence == 0.8
    with pytest.raises(ProblemConflict, match="accepted"):
        await decide_suggestion(
            DecideSuggestion(suggestion_id=ids[0], decision=Decision.REJECT, actor=ALICE),
            uow_factory=store.uow,
            clock=CLOCK,
        )


async def test_a_unit_of_work_without_commit_leaves_no_trace() -> None:
    store = MemoryStore()
    problem_id = await _problem(store)
    incident_id = await _seen(store)
    await _link(store, problem_id, incident_id)
    before = (len(store.events), len(store.state.history), dict(store.state.links))
    async with store.uow() as uow:
        await uow.links.unlink(incident_id)
        problem = await uow.problems.get(problem_id)
        assert problem is not None
        problem.update({"assignee": "bob"}, actor=ALICE, now=CLOCK.now())
        await uow.problems.save(problem)
        await uow.record(problem.events[0])
        assert await uow.problems.next_number() == 2
    assert (len(store.events), len(store.state.history), dict(store.state.links)) == before
    async with store.uow() as uow:
        kept = await uow.problems.get(problem_id)
        assert await uow.problems.next_number() == 2
    assert kept is not None and kept.assignee is None
