"""Silence matchers (Alertmanager semantics), silence and window state, the suppression verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tocsin_incident.domain.silences import (
    AlreadyExpired,
    InvalidSuppression,
    MaintenanceWindow,
    Matcher,
    Operator,
    Signal,
    Silence,
    State,
    Suppressions,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def m(name: str, op: str, value: str) -> Matcher:
    regex, equal = {"=": (False, True), "!=": (False, False), "=~": (True, True)}.get(
        op, (True, False)
    )
    return Matcher.create(name, value, is_regex=regex, is_equal=equal)


@pytest.mark.parametrize(
    ("op", "value", "labels", "expected"),
    [
        ("=", "db", {"job": "db"}, True),
        ("=", "db", {"job": "dbx"}, False),
        ("!=", "db", {"job": "db"}, False),
        ("!=", "db", {"job": "web"}, True),
        ("=~", "db|web", {"job": "web"}, True),
        ("=~", "db|web", {"job": "api"}, False),
        ("!~", "db|web", {"job": "web"}, False),
        ("!~", "db|web", {"job": "api"}, True),
    ],
)
def test_the_four_operators(op: str, value: str, labels: dict[str, str], expected: bool) -> None:
    matcher = m("job", op, value)
    assert matcher.operator is Operator(op)
    assert matcher.matches(labels) is expected


@pytest.mark.parametrize(
    ("value", "actual", "expected"),
    [
        ("db", "db-primary", False),  # anchored at the end
        ("primary", "db-primary", False),  # anchored at the start
        ("db.*", "db-primary", True),
        ("a|b", "ab", False),  # the alternation is grouped before anchoring: ^(?:a|b)$
        ("a|b", "b", True),
    ],
)
def test_regexes_are_anchored_like_alertmanagers(value: str, actual: str, expected: bool) -> None:
    assert m("job", "=~", value).matches({"job": actual}) is expected
    assert m("job", "!~", value).matches({"job": actual}) is not expected


def test_an_absent_label_is_the_empty_string() -> None:
    assert m("team", "=", "").matches({}) is True
    assert m("team", "=", "ops").matches({}) is False
    assert m("team", "!=", "ops").matches({}) is True
    assert m("team", "=~", ".*").matches({}) is True
    assert m("team", "=~", ".+").matches({}) is False
    assert m("team", "!~", ".+").matches({}) is True


def test_an_invalid_regex_is_refused_with_the_label_named() -> None:
    with pytest.raises(InvalidSuppression, match="invalid regex for label 'job'"):
        m("job", "=~", "(unclosed")
    with pytest.raises(InvalidSuppression, match="label name"):
        m("", "=", "x")


def silence(*matchers: Matcher, start: datetime = T0, end: datetime = T0 + HOUR) -> Silence:
    return Silence.create(
        matchers, starts_at=start, ends_at=end, created_by="alice", comment="", now=T0
    )


def test_a_silence_needs_matchers_and_one_that_does_not_match_everything() -> None:
    with pytest.raises(InvalidSuppression, match="at least one matcher"):
        silence()
    with pytest.raises(InvalidSuppression, match="must not match the empty string"):
        silence(m("job", "=~", ".*"), m("team", "!=", "x"))
    with pytest.raises(InvalidSuppression, match="endsAt must be after startsAt"):
        silence(m("job", "=", "db"), end=T0 - HOUR)
    assert silence(m("job", "=~", ".*"), m("team", "=", "ops")).matchers


def test_state_follows_the_clock_and_expiry_goes_through_the_table() -> None:
    s = silence(m("job", "=", "db"), start=T0 + HOUR, end=T0 + 2 * HOUR)
    assert s.state(T0) is State.PENDING
    assert s.state(T0 + HOUR) is State.ACTIVE
    assert s.state(T0 + 2 * HOUR) is State.EXPIRED
    s.apply(Signal.EXPIRE, by="bob", now=T0 + 90 * timedelta(minutes=1))
    assert s.state(T0 + 90 * timedelta(minutes=1)) is State.EXPIRED
    assert (s.expired_by, s.ends_at) == ("bob", T0 + 90 * timedelta(minutes=1))
    with pytest.raises(AlreadyExpired):
        s.apply(Signal.EXPIRE, by="bob", now=T0 + 2 * HOUR)
    with pytest.raises(AlreadyExpired):
        s.apply(Signal.END_REACHED, by="system", now=T0 + 3 * HOUR)


def test_the_end_reached_by_the_timer_is_recorded_at_the_end_time() -> None:
    s = silence(m("job", "=", "db"))
    with pytest.raises(AlreadyExpired):  # not over yet: the timer cannot end it early
        s.apply(Signal.END_REACHED, by="system", now=T0 + HOUR / 2)
    s.apply(Signal.END_REACHED, by="system", now=T0 + HOUR + timedelta(seconds=3))
    assert (s.expired_at, s.expired_by) == (T0 + HOUR, "system")


def test_a_pending_silence_expired_never_starts() -> None:
    s = silence(m("job", "=", "db"), start=T0 + HOUR, end=T0 + 2 * HOUR)
    s.apply(Signal.EXPIRE, by="bob", now=T0)
    assert s.state(T0 + HOUR) is State.EXPIRED


def test_the_verdict_covers_labels_service_and_severity_windows_first() -> None:
    by_service = silence(m("service", "=", "checkout"), m("severity", "=~", "critical|error"))
    by_label = silence(m("alertname", "=", "DiskFull"))
    window = MaintenanceWindow.create(
        ["payments"], starts_at=T0, ends_at=T0 + HOUR, created_by="a", comment="", now=T0
    )
    live = Suppressions(silences=(by_service, by_label), windows=(window,))

    def verdict(service: str, severity: str, **labels: str) -> str | None:
        return live.outcome_for(service=service, severity=severity, labels=labels, now=T0)

    assert verdict("checkout", "error") == f"suppressed:silence:{by_service.id}"
    assert verdict("checkout", "warning") is None
    assert verdict("search", "info", alertname="DiskFull") == f"suppressed:silence:{by_label.id}"
    assert verdict("payments", "info") == f"suppressed:maintenance:{window.id}"
    # an alert's own `service` label cannot stand in for the service it was routed to
    overridden = live.outcome_for(
        service="search", severity="error", labels={"service": "checkout"}, now=T0
    )
    assert overridden is None
    assert live.outcome_for(service="payments", severity="info", labels={}, now=T0 + HOUR) is None
