"""The delivery loop: work the ledger whenever something may be due."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from tocsin_shared.clock import Clock

from .domain.ledger import RetryPolicy
from .handlers import UowFactory, deliver_due
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
) -> Callable[[], Awaitable[None]]:
    rng = random.Random()

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
            )
            if sent < batch:
                await asyncio.sleep(idle_wait_s)

    return run
