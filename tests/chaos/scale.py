"""How long the chaos scenarios run: `short` inside `make test`, `full` for `make chaos`."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChaosScale(BaseSettings):
    """TOCSIN_CHAOS_SCALE=full (set by `make chaos`) runs the long versions."""

    model_config = SettingsConfigDict(env_prefix="TOCSIN_CHAOS_", extra="ignore", frozen=True)

    scale: Literal["short", "full"] = "short"

    @property
    def full(self) -> bool:
        return self.scale == "full"

    @property
    def outage_s(self) -> float:
        """How long the database stays away in the outage scenario."""
        return 10.0 if self.full else 4.0

    @property
    def load_workers(self) -> int:
        return 3 if self.full else 1

    @property
    def accepted_per_phase(self) -> int:
        """Alerts the edge must accept after each restart before the next kill."""
        return 150 if self.full else 10

    @property
    def pace_s(self) -> float:
        """Each load worker's pause between alerts: a steady stream, not a flood."""
        return 0.02 if self.full else 0.1

    @property
    def new_key_ratio(self) -> float:
        """Share of alerts that open a new dedup key; the rest repeat a known one."""
        return 0.2 if self.full else 0.3

    @property
    def timeout_s(self) -> float:
        return 900.0 if self.full else 240.0


SCALE = ChaosScale()
