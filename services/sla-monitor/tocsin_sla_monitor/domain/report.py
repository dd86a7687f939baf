"""The SLA report's arithmetic: compliance over completed clocks, and time statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Tally:
    met: int = 0
    breached: int = 0
    cancelled: int = 0

    @property
    def compliance_percent(self) -> float | None:
        """met / (met + breached); cancelled clocks count for neither. None when none completed."""
        done = self.met + self.breached
        return None if done == 0 else round(100 * self.met / done, 2)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.met + other.met,
            self.breached + other.breached,
            self.cancelled + other.cancelled,
        )


@dataclass(frozen=True)
class Stats:
    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (as Postgres' percentile_cont)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    rank = q * (len(sorted_values) - 1)
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def stats(values: Sequence[float]) -> Stats:
    if not values:
        return Stats(0, None, None, None)
    ordered = sorted(values)
    return Stats(
        count=len(ordered),
        mean_s=round(sum(ordered) / len(ordered), 3),
        median_s=round(percentile(ordered, 0.5), 3),
        p90_s=round(percentile(ordered, 0.9), 3),
    )
