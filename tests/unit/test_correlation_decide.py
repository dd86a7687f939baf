"""`decide`: the precedence of its steps, and the reason each decision carries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from tocsin_problem.domain.correlation.decide import decide
from tocsin_problem.domain.correlation.model import (
    Candidates,
    IncidentFacts,
    KnownErrorSignature,
    LinkTo,
    MatchKnownError,
    NoDecision,
    OpenProblem,
    ProblemCandidate,
    RecurrenceCandidate,
    Suggest,
    TrendGroup,
)
from tocsin_shared.config.models import CorrelationRule, CorrelationSettings
from tocsin_shared.contracts.events import LinkOrigin, ProblemOrigin

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = [CorrelationRule(name="recurrence", threshold=3, window_days=30)]
SETTINGS = CorrelationSettings()
FACTS = IncidentFacts(uuid4(), "checkout", "k", "High CPU usage 93% on web-2", T0, {"a": "b"})
KEY = "checkout/0123456789abcdef"
P1, P2, P3 = UUID(int=1), UUID(int=2), UUID(int=3)
EARLIER = (uuid4(), uuid4())


def run(candidates: Candidates) -> object:
    return decide(FACTS, candidates, rules=RULES, settings=SETTINGS)


def everything() -> Candidates:
    """Every step would apply: the first in precedence must win."""
    return Candidates(
        recurrences=(RecurrenceCandidate("recurrence", KEY, EARLIER, P2, (T0, T0)),),
        problems=(ProblemCandidate(P3, (("checkout", FACTS.template),)),),
        trends=(TrendGroup(FACTS.template, EARLIER),),
        known_errors=(KnownErrorSignature(uuid4(), P1, "high cpu usage <*>", "checkout"),),
    )


def test_a_known_error_wins_over_everything_and_says_which() -> None:
    candidates = everything()
    decision = run(candidates)
    assert isinstance(decision, MatchKnownError)
    assert decision.problem_id == P1
    assert decision.known_error_id == candidates.known_errors[0].known_error_id
    assert decision.reason.origin is LinkOrigin.KNOWN_ERROR
    assert "high cpu usage <*>" in (decision.reason.note or "")


def test_a_known_error_of_another_service_or_other_labels_does_not_match() -> None:
    other = replace(everything().known_errors[0], service="cart")
    labelled = replace(everything().known_errors[0], labels={"a": "c"})
    for ke in (other, labelled):
        decision = run(replace(everything(), known_errors=(ke,)))
        assert not isinstance(decision, MatchKnownError)


def test_the_open_problem_of_the_key_comes_next() -> None:
    decision = run(replace(everything(), known_errors=()))
    assert isinstance(decision, LinkTo)
    assert decision.problem_id == P2
    assert decision.reason.origin is LinkOrigin.RULE
    assert decision.reason.recurrence_key == KEY
    assert decision.reason.rule == "recurrence"


def test_the_threshold_reached_opens_a_problem_with_the_earlier_incidents() -> None:
    recurrence = RecurrenceCandidate("recurrence", KEY, EARLIER, None, (T0, T0))
    decision = run(replace(everything(), known_errors=(), recurrences=(recurrence,)))
    assert isinstance(decision, OpenProblem)
    assert decision.origin is ProblemOrigin.RULE
    assert decision.member_incident_ids == EARLIER
    assert decision.recurrence_key == KEY
    assert decision.reason.matched_incident_ids == EARLIER
    assert "3 incidents" in (decision.reason.note or "")


def test_below_the_threshold_a_similar_open_problem_of_the_service_links() -> None:
    recurrence = RecurrenceCandidate("recurrence", KEY, EARLIER[:1], None, (T0,))
    pair = ("checkout", FACTS.template)
    problem = ProblemCandidate(P3, (pair,), {pair: EARLIER[1]})
    candidates = replace(everything(), known_errors=(), recurrences=(recurrence,))
    decision = run(replace(candidates, problems=(problem,)))
    assert isinstance(decision, LinkTo)
    assert decision.problem_id == P3
    assert decision.reason.origin is LinkOrigin.SIMILARITY
    assert decision.reason.score == 1.0
    assert decision.reason.matched_incident_ids == (EARLIER[1],)


def test_a_trend_opens_when_similar_unlinked_incidents_reach_the_threshold() -> None:
    decision = run(Candidates(trends=(TrendGroup(FACTS.template, EARLIER),)))
    assert isinstance(decision, OpenProblem)
    assert decision.origin is ProblemOrigin.TREND
    assert decision.member_incident_ids == EARLIER
    assert decision.recurrence_key is None
    assert isinstance(
        run(Candidates(trends=(TrendGroup(FACTS.template, EARLIER[:1]),))), NoDecision
    )


def test_a_less_similar_problem_or_one_across_a_dependency_is_only_suggested() -> None:
    alike = "high memory usage <*> on web-<*>"  # one word apart: below 0.9, above 0.7
    for templates in ((("checkout", alike),), (("payments", FACTS.template),)):
        decision = run(Candidates(problems=(ProblemCandidate(P3, templates),)))
        assert isinstance(decision, Suggest), templates
        assert decision.problem_id == P3
        assert decision.reason.origin is LinkOrigin.SIMILARITY
        assert decision.reason.score is not None and decision.reason.score >= 0.7


def test_a_rejected_problem_is_not_suggested_again() -> None:
    problems = (ProblemCandidate(P3, (("payments", FACTS.template),)),)
    decision = run(Candidates(problems=problems, rejected_problem_ids=frozenset({P3})))
    assert isinstance(decision, NoDecision)


def test_nothing_similar_decides_nothing() -> None:
    problems = (ProblemCandidate(P3, (("checkout", "tls certificate expires in <*> days"),)),)
    assert isinstance(run(Candidates(problems=problems)), NoDecision)


def test_co_occurring_incidents_join_the_problem_they_keep_firing_beside() -> None:
    times = (T0 - timedelta(days=9), T0 - timedelta(days=2))
    beside = {i: frozenset({P2}) for i in EARLIER}
    joining = RecurrenceCandidate("recurrence", KEY, EARLIER, None, times, beside)
    decision = run(Candidates(recurrences=(joining,)))
    assert isinstance(decision, LinkTo)
    assert decision.problem_id == P2
    assert decision.member_incident_ids == EARLIER
    assert decision.reason.origin is LinkOrigin.RULE
    assert "2 episodes" in (decision.reason.note or "")
    # Beside two problems, or in one episode only: a problem of its own.
    torn = {EARLIER[0]: frozenset({P2}), EARLIER[1]: frozenset({P3})}
    once = (T0 - timedelta(minutes=3), T0 - timedelta(minutes=2))
    for recurrence in (
        replace(joining, co_occurring=torn),
        replace(joining, prior_triggered_at=once),
    ):
        assert isinstance(run(Candidates(recurrences=(recurrence,))), OpenProblem)


def test_a_tie_goes_to_the_same_problem_whatever_the_candidate_order() -> None:
    pair = ("checkout", FACTS.template)
    one, two = ProblemCandidate(P3, (pair,)), ProblemCandidate(P2, (pair,))
    for problems in ((one, two), (two, one)):
        decision = run(Candidates(problems=problems))
        assert isinstance(decision, LinkTo) and decision.problem_id == P2
