"""What the problem API routers share: error translation, the actor, body bases."""

from collections.abc import Awaitable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict
from tocsin_shared.config.models import ApiToken
from tocsin_shared.contracts.events import Actor
from tocsin_shared.http.errors import ApiError

from .commands_base import LinkConflict, NotFound
from .domain.problem import ProblemConflict

T = TypeVar("T")
# Postgres text and jsonb cannot hold NUL: refuse it here (422) rather than fail on write (500).
NO_NUL = r"^[^\x00]*$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def actor_of(token: ApiToken) -> Actor:
    return Actor(kind="user", id=token.name)


async def translated(work: Awaitable[T]) -> T:
    try:
        return await work
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except LinkConflict as exc:
        raise ApiError(409, "linked_elsewhere", str(exc)) from None
    except ProblemConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except ValueError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
