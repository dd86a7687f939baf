"""Clustering quality against ground truth: pairwise and BCubed precision, recall, F1.

Both take two mappings item → cluster label over the same items (items only in one are ignored).
Pairwise counts unordered pairs put together: precision = pairs together in both / pairs together
in the prediction; recall = the same / pairs together in the truth. With no pair in a denominator
(all singletons) the ratio is 1.0: nothing was claimed, nothing was missed. BCubed averages over
items: precision = |items sharing i's predicted cluster and true cluster| / |i's predicted
cluster|, recall the same over |i's true cluster| (Amigó et al., 2009).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Prf:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 0.0 if total == 0 else 2 * self.precision * self.recall / total


def _common(predicted: Mapping[K, Hashable], truth: Mapping[K, Hashable]) -> list[K]:
    return [item for item in predicted if item in truth]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(predicted: Mapping[K, Hashable], truth: Mapping[K, Hashable]) -> Prf:
    items = _common(predicted, truth)
    both = Counter((predicted[i], truth[i]) for i in items)
    pred = Counter(predicted[i] for i in items)
    true = Counter(truth[i] for i in items)
    together = sum(_pairs(n) for n in both.values())
    pred_pairs = sum(_pairs(n) for n in pred.values())
    true_pairs = sum(_pairs(n) for n in true.values())
    return Prf(
        together / pred_pairs if pred_pairs else 1.0,
        together / true_pairs if true_pairs else 1.0,
    )


def bcubed(predicted: Mapping[K, Hashable], truth: Mapping[K, Hashable]) -> Prf:
    items = _common(predicted, truth)
    if not items:
        return Prf(1.0, 1.0)
    both = Counter((predicted[i], truth[i]) for i in items)
    pred = Counter(predicted[i] for i in items)
    true = Counter(truth[i] for i in items)
    precision = sum(both[(predicted[i], truth[i])] / pred[predicted[i]] for i in items)
    recall = sum(both[(predicted[i], truth[i])] / true[truth[i]] for i in items)
    return Prf(precision / len(items), recall / len(items))
