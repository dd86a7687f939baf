"""Per-contact rate limits: pages that fit go one by one, a storm goes as one bundle, a contact
with no room waits; plain channels are never limited. Dead letters are announced."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tocsin_notifier.delivering import deliver_due
from tocsin_notifier.domain.bundling import RateLimit, bundle, plan
from tocsin_notifier.domain.ledger import Notification, RetryPolicy, Status
from tocsin_notifier.ports import DeliveryResult
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.events import NotificationDeadLetteredV1

from .fakes_notifier import FakeNotifierUow, NotifierState

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
RATE = RateLimit(limit=3, window=timedelta(minutes=5))


def page(
    user: str | None = "ann", summary: str = "db down", severity: str = "warning"
) -> Notification:
    recipient = {"target": f"{user}/phone", "user": user, "address": None} if user else None
    payload: dict[str, object] = {
        "incident": {"summary": summary, "severity": severity, "service": "checkout", "url": "u"},
        "recipient": recipient,
    }
    target = f"{user}/phone" if user else "ops"
    return Notification.request(
        incident_id=uuid4(),
        level=0,
        target=target,
        channel="push",
        cycle=0,
        payload=payload,
        at=NOW,
    )


def test_pages_that_fit_go_one_by_one() -> None:
    pages = [page(), page()]
    work = plan(pages, recent={"ann/phone|push": [NOW - timedelta(minutes=1)]}, rate=RATE, now=NOW)
    assert work.sends == [[pages[0]], [pages[1]]] and work.deferred == []


def test_a_storm_to_one_contact_goes_as_one_bundle() -> None:
    pages = [page(summary=f"s{i}") for i in range(10)]
    work = plan(pages, recent={}, rate=RATE, now=NOW)
    assert work.sends == [pages]


def test_no_room_left_waits_until_the_oldest_counted_message_leaves_the_window() -> None:
    sent = [NOW - timedelta(minutes=m) for m in (4, 3, 1)]
    pages = [page()]
    work = plan(pages, recent={"ann/phone|push": sent}, rate=RATE, now=NOW)
    assert work.sends == [] and work.deferred == [(pages[0], NOW + timedelta(minutes=1))]


def test_old_messages_outside_the_window_do_not_count() -> None:
    sent = [NOW - timedelta(minutes=m) for m in (30, 20, 10)]
    work = plan([page()], recent={"ann/phone|push": sent}, rate=RATE, now=NOW)
    assert len(work.sends) == 1


def test_plain_channels_and_a_zero_limit_are_not_limited() -> None:
    channel_pages = [page(user=None) for _ in range(10)]
    assert len(plan(channel_pages, recent={}, rate=RATE, now=NOW).sends) == 10
    people = [page() for _ in range(10)]
    assert len(plan(people, recent={}, rate=RateLimit(limit=0), now=NOW).sends) == 10


def test_a_bundle_names_every_page_takes_the_worst_severity_and_has_a_stable_key() -> None:
    pages = [page(summary="a", severity="warning"), page(summary="b", severity="critical")]
    one, again = bundle(pages), bundle(list(reversed(pages)))
    assert one.idempotency_key == again.idempotency_key and one.id == again.id
    incident = one.payload["incident"]
    assert isinstance(incident, dict)
    assert incident["severity"] == "critical"
    assert incident["summary"] in ("2 pages: a; b", "2 pages: b; a")
    assert one.payload["bundled"] == sorted(p.idempotency_key for p in pages)


class Recorder:
    def __init__(self, result: DeliveryResult) -> None:
        self.sent: list[Notification] = []
        self.result = result

    async def send(self, notification: Notification) -> DeliveryResult:
        self.sent.append(notification)
        return self.result


async def _pass(state: NotifierState, channel: Recorder, clock: FakeClock, **kw: object) -> int:
    return await deliver_due(
        uow_factory=lambda: FakeNotifierUow(state),
        channels={"push": channel},
        clock=clock,
        policy=RetryPolicy(max_attempts=1),
        rng=random.Random(1),
        rate=RATE,
        **kw,  # type: ignore[arg-type]
    )


async def test_a_storm_is_one_message_and_every_page_in_it_is_delivered() -> None:
    state, clock, channel = (
        NotifierState(),
        FakeClock(NOW),
        Recorder(DeliveryResult(ok=True, status_code=200)),
    )
    for i in range(20):
        n = page(summary=f"s{i}")
        state.notifications[n.idempotency_key] = n
    await _pass(state, channel, clock)
    assert len(channel.sent) == 1 and channel.sent[0].idempotency_key.startswith("bundle:")
    assert {n.status for n in state.notifications.values()} == {Status.DELIVERED}
    assert len(state.sends) == 1


async def test_a_contact_at_its_limit_gets_the_rest_later_as_a_bundle() -> None:
    state, clock, channel = (
        NotifierState(),
        FakeClock(NOW),
        Recorder(DeliveryResult(ok=True, status_code=200)),
    )
    state.sends = [("ann/phone|push", NOW - timedelta(minutes=m)) for m in (4, 3, 2)]
    waiting = [page(), page()]
    for n in waiting:
        state.notifications[n.idempotency_key] = n
    await _pass(state, channel, clock)
    assert channel.sent == [] and {n.status for n in waiting} == {Status.PENDING}
    assert {n.attempts for n in waiting} == {0}  # deferring is not an attempt
    clock.advance(timedelta(minutes=1))
    await _pass(state, channel, clock)
    assert len(channel.sent) == 1 and {n.status for n in waiting} == {Status.DELIVERED}


async def test_a_page_given_up_on_is_announced_as_dead_lettered() -> None:
    state, clock = NotifierState(), FakeClock(NOW)
    channel = Recorder(DeliveryResult(ok=False, status_code=410, error="HTTP 410", retryable=False))
    n = page(user=None)
    state.notifications[n.idempotency_key] = n
    await _pass(state, channel, clock)
    assert n.status is Status.DEAD
    dead = [e for e in state.events if isinstance(e, NotificationDeadLetteredV1)]
    assert len(dead) == 1 and dead[0].error == "HTTP 410" and dead[0].status_code == 410
