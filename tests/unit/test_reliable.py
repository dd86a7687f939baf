"""Bounded retry then dead letter; poison at once; transient faults wait and never dead-letter."""

import asyncio

import asyncpg
import pytest
from tocsin_shared.messaging.inbound import InboundMessage, PoisonMessage
from tocsin_shared.messaging.reliable import RetryPolicy, is_transient, reliable

MESSAGE = InboundMessage("t", 0, 5, b"k", b"v", {}, 0)
POLICY = RetryPolicy(max_attempts=3, backoff_s=0)


class Sink:
    def __init__(self) -> None:
        self.dead: list[tuple[str, int]] = []

    async def dead_letter(
        self, message: InboundMessage, *, consumer: str, error: str, attempts: int
    ) -> None:
        self.dead.append((error, attempts))


def failing(times: int, exc: Exception):  # type: ignore[no-untyped-def]
    calls = []

    async def handler(message: InboundMessage) -> None:
        calls.append(message)
        if len(calls) <= times:
            raise exc

    return handler, calls


async def test_poison_is_dead_lettered_without_retry() -> None:
    sink = Sink()
    handler, calls = failing(99, PoisonMessage("garbage"))
    await reliable(handler, consumer="c", dead_letters=sink, policy=POLICY)(MESSAGE)
    assert len(calls) == 1 and sink.dead == [("garbage", 1)]


async def test_a_bug_is_retried_then_dead_lettered() -> None:
    sink = Sink()
    handler, calls = failing(99, KeyError("boom"))
    await reliable(handler, consumer="c", dead_letters=sink, policy=POLICY)(MESSAGE)
    assert len(calls) == 3 and sink.dead == [("KeyError: 'boom'", 3)]


async def test_a_passing_glitch_succeeds_on_retry() -> None:
    sink = Sink()
    handler, calls = failing(2, RuntimeError("glitch"))
    await reliable(handler, consumer="c", dead_letters=sink, policy=POLICY)(MESSAGE)
    assert len(calls) == 3 and sink.dead == []


async def test_transient_faults_wait_past_the_attempt_limit_and_never_dead_letter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []

    async def no_sleep(delay: float) -> None:
        slept.append(delay)

    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    sink = Sink()
    handler, calls = failing(10, ConnectionRefusedError("db away"))
    await reliable(handler, consumer="c", dead_letters=sink, policy=RetryPolicy(3, 0.1))(MESSAGE)
    assert len(calls) == 11 and sink.dead == []
    assert max(slept) <= 5.0


def test_transient_classification() -> None:
    assert is_transient(asyncpg.exceptions.CannotConnectNowError())
    assert is_transient(TimeoutError())
    assert not is_transient(ValueError())


async def test_a_batch_that_succeeds_is_handled_once_as_a_batch() -> None:
    from tocsin_shared.messaging.reliable import reliable_batch

    batches: list[int] = []
    singles: list[InboundMessage] = []

    async def batch(messages: list[InboundMessage]) -> None:
        batches.append(len(messages))

    async def single(message: InboundMessage) -> None:
        singles.append(message)

    await reliable_batch(batch, single=single, consumer="c")([MESSAGE, MESSAGE])
    assert batches == [2] and singles == []


async def test_a_failing_batch_falls_back_to_one_by_one() -> None:
    from tocsin_shared.messaging.reliable import reliable_batch

    sink = Sink()

    async def batch(messages: list[InboundMessage]) -> None:
        raise PoisonMessage("one of them is bad")

    handled: list[int] = []

    async def handle(message: InboundMessage) -> None:
        if message.offset == 6:
            raise PoisonMessage("bad")
        handled.append(message.offset)

    single = reliable(handle, consumer="c", dead_letters=sink, policy=POLICY)
    messages = [InboundMessage("t", 0, offset, b"k", b"v", {}, 0) for offset in (5, 6, 7)]
    await reliable_batch(batch, single=single, consumer="c")(messages)
    assert handled == [5, 7] and sink.dead == [("bad", 1)]


async def test_a_batch_waits_out_a_transient_fault_and_retries_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tocsin_shared.messaging.reliable import reliable_batch

    async def no_sleep(delay: float) -> None:
        return None

    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    attempts: list[int] = []

    async def batch(messages: list[InboundMessage]) -> None:
        attempts.append(len(messages))
        if len(attempts) < 3:
            raise ConnectionResetError("db restarting")

    async def single(message: InboundMessage) -> None:
        raise AssertionError("a transient fault must not fall back to singles")

    await reliable_batch(batch, single=single, consumer="c")([MESSAGE])
    assert attempts == [1, 1, 1]
