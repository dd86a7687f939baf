"""One running system per chaos module: its own Postgres (to kill), the session's broker, the four
services as real processes, and a real webhook receiver that records every page."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ..infra import Infra
from ..receiver import Receiver, running_receiver
from ..samples import config_yaml
from .harness import ChaosSystem, chaos_system
from .scale import SCALE

# The SLA target is 3 s (warnings at 50/75/90 %), so every incident's clock warns and breaches
# while the scenario runs and its SLA events can be counted.
SLA_MINUTES = "0.05"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/chaos/" in str(item.fspath):
            item.add_marker(pytest.mark.chaos)
            item.add_marker(pytest.mark.timeout(SCALE.timeout_s))


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    # Answering a little late keeps sends in flight when the notifier is killed.
    async with running_receiver(delay_s=0.2) as started:
        yield started


@pytest.fixture(scope="module")
async def system(infra: Infra, receiver: Receiver) -> AsyncIterator[ChaosSystem]:
    text = config_yaml(webhook_url=receiver.url).replace("minutes: 15", f"minutes: {SLA_MINUTES}")
    scratch = Path(tempfile.mkdtemp(prefix="tocsin-chaos-"))
    try:
        async with chaos_system(scratch, infra=infra, config_text=text) as started:
            yield started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
