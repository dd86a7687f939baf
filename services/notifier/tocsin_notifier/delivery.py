"""The delivery loop: work the ledger whenever something may be due."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from tocsin_shared.clock import Clock

from .delivering import NO_LIMIT, UowFactory, deliver_due
from .domain.bundling import RateLimit
from .domain.ledger import RetryPolicy
from .ports import Channel


def delivery_loop(
    *,
    uow_factory: UowFactory,
    channels: Mapping[str, Channel],
    clock: Clock,
    policy: RetryPolicy,
    batch: int,
    lease: timedelta,
    idle_wait_s: float,
    rate: RateLimit = NO_LIMIT,
    wakeup: asyncio.Event | None = None,
) -> Callable[[], Awaitable[None]]:
    """`wakeup`, set when this process has just written new pages, cuts the idle wait short."""
    rng = random.Random()
    woken = wakeup or asyncio.Event()

    async def run() -> None:
        while True:
            sent = await deliver_due(
                uow_factory=uow_factory,
                channels=channels,
                clock=clock,
                policy=policy,
                rng=rng,
                limit=batch,
                lease=lease,
                rate=rate,
            )
            if sent < batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), idle_wait_s)
                woken.clear()

    return run
