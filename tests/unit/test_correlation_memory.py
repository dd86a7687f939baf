"""The in-memory correlator: incidents in time order → problems, links, suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from tocsin_problem.domain.correlation.memory import MemoryCorrelator, Reviewer
from tocsin_problem.domain.correlation.model import (
    IncidentFacts,
    KnownErrorSignature,
    LinkTo,
    MatchKnownError,
    NoDecision,
    OpenProblem,
    Suggest,
)
from tocsin_shared.config.models import CorrelationRule, CorrelationSettings, Service
from tocsin_shared.contracts.events import LinkOrigin, ProblemOrigin

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SERVICES = [Service(name="checkout", depends_on=["payments"]), Service(name="payments")]
CPU = "High CPU usage {n}% on web-{n}"


def engine(reviewer: Reviewer | None = None) -> MemoryCorrelator:
    return MemoryCorrelator(
        rules=[CorrelationRule(name="recurrence", threshold=3, window_days=30)],
        settings=CorrelationSettings(),
        services=SERVICES,
        reviewer=reviewer,
    )


def incident(text: str, day: float, *, service: str = "checkout", n: int = 7) -> IncidentFacts:
    at = T0 + timedelta(days=day)
    return IncidentFacts(uuid4(), service, f"{service}/{text[:8]}", text.format(n=n), at)


def test_three_recurrences_make_one_problem_and_a_fourth_links_to_it() -> None:
    e = engine()
    first = [incident(CPU, d, n=d + 2) for d in (0, 4, 9)]
    decisions = [e.observe(f) for f in first]
    assert isinstance(decisions[0], NoDecision) and isinstance(decisions[1], NoDecision)
    opened = decisions[2]
    assert isinstance(opened, OpenProblem) and opened.origin is ProblemOrigin.RULE
    (problem,) = e.problems.values()
    assert {e.links[f.incident_id].problem_id for f in first} == {problem.problem_id}
    assert e.links[first[0].incident_id].reason.matched_incident_ids == (
        first[0].incident_id,
        first[1].incident_id,
    )
    fourth = incident(CPU, 12, n=99)
    decision = e.observe(fourth)
    assert isinstance(decision, LinkTo) and decision.problem_id == problem.problem_id
    assert decision.reason.recurrence_key == problem.recurrence_key
    assert len(e.problems) == 1


def test_recurrences_further_apart_than_the_window_make_no_problem() -> None:
    e = engine()
    for day in (0, 20, 40, 60):
        assert isinstance(e.observe(incident(CPU, day)), NoDecision)
    assert not e.problems


def test_after_a_problem_is_resolved_the_key_counts_afresh() -> None:
    e = engine()
    for day in (0, 1, 2):
        e.observe(incident(CPU, day))
    (old,) = e.problems
    e.resolve(old)
    assert isinstance(e.observe(incident(CPU, 3)), NoDecision)
    assert isinstance(e.observe(incident(CPU, 4)), NoDecision)
    reopened = e.observe(incident(CPU, 5))
    assert isinstance(reopened, OpenProblem)
    assert len(e.problems) == 2


def _payments_problem(e: MemoryCorrelator) -> UUID:
    for day in (0, 1, 2):
        e.observe(incident(CPU, day, service="payments"))
    (pid,) = e.problems
    return pid


def test_a_similar_incident_across_a_dependency_is_suggested_and_a_rejection_is_remembered() -> (
    None
):
    e = engine()
    pid = _payments_problem(e)
    suggested = e.observe(incident(CPU, 3))
    assert isinstance(suggested, Suggest) and suggested.problem_id == pid
    (suggestion,) = e.suggestions
    assert suggestion.status == "pending"
    e.decide_suggestion(suggestion, accepted=False)
    assert isinstance(e.observe(incident(CPU, 4)), NoDecision)
    assert len(e.suggestions) == 1


def test_an_accepted_suggestion_links_with_origin_suggestion() -> None:
    e = engine(reviewer=lambda facts, suggestion: True)
    pid = _payments_problem(e)
    facts = incident(CPU, 3)
    e.observe(facts)
    link = e.links[facts.incident_id]
    assert link.problem_id == pid and link.reason.origin is LinkOrigin.SUGGESTION


def test_a_service_outside_the_dependency_scope_sees_nothing() -> None:
    e = engine()
    _payments_problem(e)
    assert isinstance(e.observe(incident(CPU, 3, service="search")), NoDecision)


def test_a_published_known_error_wins_over_the_open_problem_of_the_key() -> None:
    e = engine()
    for day in (0, 1, 2):
        e.observe(incident(CPU, day))
    existing = UUID(int=42)
    ke = KnownErrorSignature(uuid4(), existing, "high cpu usage <*> on web-<*>", "checkout")
    e.add_known_error(ke)
    facts = incident(CPU, 3)
    decision = e.observe(facts)
    assert isinstance(decision, MatchKnownError)
    assert e.links[facts.incident_id].problem_id == existing
    assert e.links[facts.incident_id].reason.known_error_id == ke.known_error_id


def test_a_second_wording_that_keeps_firing_beside_a_problem_joins_it() -> None:
    e = engine()
    memory = "MemoryPressure condition on node web-{n}"
    beside = []
    for day in (0, 7, 14):
        e.observe(incident(CPU, day))
        beside.append(incident(memory, day + 0.01))
        decision = e.observe(beside[-1])
    (pid,) = e.problems
    assert isinstance(decision, LinkTo) and decision.problem_id == pid
    assert "3 episodes" in (decision.reason.note or "")
    assert {e.links[f.incident_id].problem_id for f in beside} == {pid}


def test_the_window_holds_its_edge_and_no_further() -> None:
    e = engine()
    e.observe(incident(CPU, 0))
    e.observe(incident(CPU, 29))
    assert isinstance(e.observe(incident(CPU, 30)), OpenProblem)  # day 0 is exactly 30 days back
    late = engine()
    late.observe(incident(CPU, 0))
    late.observe(incident(CPU, 29))
    assert isinstance(late.observe(incident(CPU, 30.001)), NoDecision)


def test_without_rules_like_unlinked_incidents_open_a_trend() -> None:
    e = MemoryCorrelator(rules=[], settings=CorrelationSettings(), services=SERVICES)
    first = [incident(CPU, day) for day in (0, 3, 6)]
    decisions = [e.observe(f) for f in first]
    assert isinstance(decisions[-1], OpenProblem)
    assert decisions[-1].origin is ProblemOrigin.TREND
    assert len({e.links[f.incident_id].problem_id for f in first}) == 1
    assert isinstance(e.observe(incident(CPU, 7)), LinkTo)


def test_a_problem_quiet_for_longer_than_the_similarity_window_is_no_candidate() -> None:
    e = engine()
    _payments_problem(e)
    assert e.candidates(incident(CPU, 20)).problems
    assert not e.candidates(incident(CPU, 40)).problems
