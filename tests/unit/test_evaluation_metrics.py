"""Pairwise and BCubed precision/recall/F1 on hand-computed examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tocsin_problem.evaluation.metrics import Prf, bcubed, pairwise

TRUTH = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 3}
PREDICTED = {"a": "X", "b": "X", "c": "Y", "d": "Y", "e": "Z"}


def test_pairwise_on_a_hand_example() -> None:
    # Predicted pairs ab, cd; true pairs ab, ac, bc; together in both: ab.
    score = pairwise(PREDICTED, TRUTH)
    assert score.precision == pytest.approx(1 / 2)
    assert score.recall == pytest.approx(1 / 3)
    assert score.f1 == pytest.approx(0.4)


def test_bcubed_on_a_hand_example() -> None:
    # Precision per item: a 2/2, b 2/2, c 1/2, d 1/2, e 1/1.
    # Recall per item: a 2/3, b 2/3, c 1/3, d 1/1, e 1/1.
    score = bcubed(PREDICTED, TRUTH)
    assert score.precision == pytest.approx(4 / 5)
    assert score.recall == pytest.approx(11 / 15)
    assert score.f1 == pytest.approx(2 * (4 / 5) * (11 / 15) / (4 / 5 + 11 / 15))


def test_all_singletons_claim_nothing_and_miss_every_pair() -> None:
    truth = {i: "one" for i in range(4)}
    alone = {i: i for i in range(4)}
    assert pairwise(alone, truth) == Prf(1.0, 0.0)
    assert bcubed(alone, truth) == Prf(1.0, 0.25)
    assert pairwise(alone, truth).f1 == 0.0


def test_one_big_cluster_over_singletons_is_all_wrong_pairs() -> None:
    truth = {i: i for i in range(4)}
    lumped = {i: "all" for i in range(4)}
    assert pairwise(lumped, truth) == Prf(0.0, 1.0)
    assert bcubed(lumped, truth) == Prf(0.25, 1.0)


def test_a_perfect_clustering_scores_one_whatever_its_labels() -> None:
    renamed = {k: f"cluster-{v}" for k, v in TRUTH.items()}
    assert pairwise(renamed, TRUTH) == Prf(1.0, 1.0)
    assert bcubed(renamed, TRUTH) == Prf(1.0, 1.0)


def test_items_in_one_mapping_only_are_ignored_and_empty_is_perfect() -> None:
    assert pairwise({**PREDICTED, "z": "X"}, TRUTH) == pairwise(PREDICTED, TRUTH)
    assert bcubed(PREDICTED, {**TRUTH, "q": 1}) == bcubed(PREDICTED, TRUTH)
    assert pairwise({}, {}) == Prf(1.0, 1.0)
    assert bcubed({}, {}) == Prf(1.0, 1.0)


labels = st.dictionaries(st.integers(0, 30), st.integers(0, 5), max_size=25)


@given(labels, labels)
def test_scores_are_ratios_and_a_truth_scored_against_itself_is_perfect(
    predicted: dict[int, int], truth: dict[int, int]
) -> None:
    for score in (pairwise(predicted, truth), bcubed(predicted, truth)):
        assert 0.0 <= score.precision <= 1.0 and 0.0 <= score.recall <= 1.0
    assert pairwise(truth, truth) == Prf(1.0, 1.0)
    assert bcubed(truth, truth).precision == pytest.approx(1.0)
    # Swapping prediction and truth swaps precision and recall.
    there, back = pairwise(predicted, truth), pairwise(truth, predicted)
    assert (there.precision, there.recall) == (back.recall, back.precision)
