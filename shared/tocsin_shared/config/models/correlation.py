"""Correlation rules of the problem service: recurrence rules and summary similarity.

A recurrence rule counts incidents sharing a recurrence key (service, normalised summary
template, and the values of the rule's labels) within its window; at `threshold` it opens a
problem, or links to the open problem with that key. Similarity compares summary templates of the
same service or a declared dependency (`services[].depends_on`): at or above
`auto_link_threshold` it links, at or above `suggest_threshold` it suggests.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ._base import Name, Strict


class CorrelationRule(Strict):
    name: Name
    kind: Literal["recurrence"] = "recurrence"
    threshold: int = Field(3, ge=2)
    window_days: float = Field(30, gt=0, le=3650)
    # No services: the rule applies to every service.
    services: list[Name] = Field(default_factory=list)
    # Label names whose values join the recurrence key (e.g. `alertname`, `job`).
    labels: list[str] = Field(default_factory=list)

    def applies_to(self, service: str) -> bool:
        return not self.services or service in self.services


class SimilaritySettings(Strict):
    enabled: bool = True
    auto_link_threshold: float = Field(0.9, gt=0, le=1)
    suggest_threshold: float = Field(0.7, gt=0, le=1)
    window_days: float = Field(30, gt=0, le=3650)
    # Similar incidents not yet in any problem open one (origin `trend`) at this many.
    trend_threshold: int = Field(3, ge=2)

    @model_validator(mode="after")
    def _ordered(self) -> SimilaritySettings:
        if self.suggest_threshold > self.auto_link_threshold:
            raise ValueError("suggest_threshold must not exceed auto_link_threshold")
        return self


class CoOccurrenceSettings(Strict):
    """When a recurrence key reaches its rule's threshold, its incidents may be another face of
    an open problem: each fired within `window_minutes` of one of that problem's incidents (same
    service, or across `depends_on` edges with `across_dependencies`), in at least
    `min_episodes` separate episodes, and none beside another problem's. Then they join it
    instead of opening a problem of their own."""

    enabled: bool = True
    window_minutes: float = Field(30, gt=0, le=1440)
    min_episodes: int = Field(2, ge=1)
    across_dependencies: bool = True


class CorrelationSettings(Strict):
    similarity: SimilaritySettings = Field(default_factory=SimilaritySettings)
    co_occurrence: CoOccurrenceSettings = Field(default_factory=CoOccurrenceSettings)
