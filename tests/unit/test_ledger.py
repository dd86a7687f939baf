import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from tocsin_notifier.domain.ledger import (
    TRANSITIONS,
    IllegalStep,
    Notification,
    RetryPolicy,
    Status,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)
RNG = random.Random(7)


def fresh() -> Notification:
    return Notification.request(
        incident_id=uuid4(), level=0, target="t", channel="c", cycle=0, payload={}, at=NOW
    )


def test_a_retryable_failure_backs_off_then_gives_up_at_the_limit() -> None:
    policy = RetryPolicy(max_attempts=3, base_s=1, cap_s=10)
    n = fresh()
    for attempt in (1, 2):
        n.claim()
        n.failed(error="HTTP 500", status_code=500, retryable=True, policy=policy, at=NOW, rng=RNG)
        assert n.status is Status.PENDING and n.attempts == attempt
        assert n.next_attempt_at is not None and n.next_attempt_at > NOW
    n.claim()
    n.failed(error="HTTP 500", status_code=500, retryable=True, policy=policy, at=NOW, rng=RNG)
    assert n.status is Status.DEAD and n.last_error == "HTTP 500"


def test_a_permanent_failure_is_not_retried() -> None:
    n = fresh()
    n.claim()
    n.failed(
        error="HTTP 410", status_code=410, retryable=False, policy=RetryPolicy(), at=NOW, rng=RNG
    )
    assert n.status is Status.DEAD


def test_redrive_returns_a_dead_notification_to_pending_with_fresh_attempts() -> None:
    n = fresh()
    n.claim()
    n.failed(error="x", status_code=None, retryable=False, policy=RetryPolicy(), at=NOW, rng=RNG)
    n.redrive(at=NOW)
    assert (n.status, n.attempts, n.next_attempt_at) == (Status.PENDING, 0, NOW)


def test_delivered_is_final() -> None:
    n = fresh()
    n.claim()
    n.delivered(status_code=200, at=NOW)
    assert not [step for (status, step) in TRANSITIONS if status is Status.DELIVERED]
    for attempt_again in (n.claim, n.cancel):
        with pytest.raises(IllegalStep):
            attempt_again()
    assert n.status is Status.DELIVERED


@pytest.mark.parametrize("attempt", range(1, 12))
def test_backoff_has_jitter_within_an_exponential_ceiling(attempt: int) -> None:
    policy = RetryPolicy(base_s=1, cap_s=60)
    ceiling = min(60, 2 ** (attempt - 1))
    delays = {policy.delay(attempt, rng=RNG) for _ in range(20)}
    assert all(timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays)
    assert len(delays) > 1
