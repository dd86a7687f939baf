"""Building blocks of the config models: names, strict models, hashed secrets, hours."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator

_NAME = r"^[a-z0-9][a-z0-9_.-]{0,99}$"


Name = Annotated[str, Field(pattern=_NAME)]


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HashedSecret(Strict):
    """A secret given in clear (`key`/`token`, for development) or as its SHA-256 (`*_sha256`)."""

    def _digest(self) -> str:
        raise NotImplementedError

    def matches(self, presented: str) -> bool:
        return hmac.compare_digest(self._digest(), sha256_hex(presented))


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


_CLOCK_TIME = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"


class WorkingHours(Strict):
    days: list[Weekday] = Field(min_length=1)
    start: Annotated[str, Field(pattern=_CLOCK_TIME)] = "00:00"
    end: Annotated[str, Field(pattern=_CLOCK_TIME)] = "24:00"

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


# Incident event names as SLA conditions: the event type without `tocsin.incident.` and `.vN`.
EventName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
