"""Silences and maintenance windows: create, expire (a person or the timer), and screen an alert."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.alerts import AlertAction, RawAlertV1

from ..domain.silences import (
    AlreadyExpired,
    MaintenanceWindow,
    Matcher,
    Signal,
    Silence,
    Suppressions,
)

Suppression = Silence | MaintenanceWindow


class SuppressionStore(Protocol):
    """Silences and windows, inside one transaction. Adding one arms its expiry timer."""

    async def add(self, item: Suppression) -> None: ...
    async def get_silence(self, item_id: UUID) -> Silence | None: ...
    async def get_window(self, item_id: UUID) -> MaintenanceWindow | None: ...
    async def save_expiry(self, item: Suppression) -> None:
        """Record the expiry; disarm the timer if a person ended it early."""


class SuppressionSource(Protocol):
    """What the processor screens against: every silence and window not yet over."""

    async def live(self, now: datetime) -> Suppressions: ...


StoreFactory = Callable[[], AbstractAsyncContextManager[SuppressionStore]]


class NotFound(Exception):
    pass


async def create_silence(
    matchers: Sequence[Matcher],
    *,
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    store: StoreFactory,
    clock: Clock,
) -> Silence:
    """Raises InvalidSuppression (API: 422)."""
    silence = Silence.create(
        matchers,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        comment=comment,
        now=clock.now(),
    )
    async with store() as tx:
        await tx.add(silence)
    return silence


async def create_window(
    services: Sequence[str],
    *,
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    store: StoreFactory,
    clock: Clock,
) -> MaintenanceWindow:
    window = MaintenanceWindow.create(
        services,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        comment=comment,
        now=clock.now(),
    )
    async with store() as tx:
        await tx.add(window)
    return window


async def expire(
    item_id: UUID, *, window: bool, by: str, store: StoreFactory, clock: Clock
) -> Suppression:
    """A person ends a silence or window now. Expiring an expired one changes nothing."""
    async with store() as tx:
        item = await (tx.get_window(item_id) if window else tx.get_silence(item_id))
        if item is None:
            raise NotFound(str(item_id))
        try:
            item.apply(Signal.EXPIRE, by=by, now=clock.now())
        except AlreadyExpired:
            return item
        await tx.save_expiry(item)
        return item


async def end_reached(item: Suppression | None, *, tx: SuppressionStore, now: datetime) -> bool:
    """The expiry timer fired: record that the range is over. False if there was nothing to do."""
    if item is None:
        return False
    try:
        item.apply(Signal.END_REACHED, by="system", now=now)
    except AlreadyExpired:
        return False
    await tx.save_expiry(item)
    return True


async def suppression_outcome(
    alert: RawAlertV1, *, source: SuppressionSource, now: datetime
) -> str | None:
    """A trigger under an active silence or window is recorded, not opened; follow-ups pass."""
    if alert.action is not AlertAction.TRIGGER:
        return None
    live = await source.live(now)
    return live.outcome_for(
        service=alert.service, severity=alert.severity.value, labels=alert.labels, now=now
    )
