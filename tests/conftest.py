"""Fixtures: a real Postgres and a real Kafka-compatible broker for connected tests."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from tocsin_shared.messaging.topics_admin import ensure_topics

from .infra import Infra, create_database, drop_database, start_infra

REPO = Path(__file__).resolve().parent.parent
# Real request bodies captured from Alertmanager 0.25, kept in the repo so tests do not depend on
# where the checkout sits; the planning copy beside the repo is compared with it when present.
PAYLOADS = REPO / "tests" / "fixtures" / "alertmanager-0.25"
SHARED_PAYLOADS = REPO.parent / "shared" / "payloads"


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    # Not under pytest's tmp_path: pytest prunes old base directories, and a concurrent pytest
    # session would delete this one's Postgres data directory from under it.
    scratch = Path(tempfile.mkdtemp(prefix="tocsin-test-infra-"))
    try:
        with start_infra(scratch) as started:
            yield started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
async def database(infra: Infra) -> AsyncIterator[str]:
    """A fresh, empty database for this test; its DSN."""
    name, dsn = await create_database(infra.admin_dsn)
    try:
        yield dsn
    finally:
        await drop_database(infra.admin_dsn, name)


@pytest.fixture
async def topic_prefix(infra: Infra) -> str:
    """A topic prefix no other test uses, with every registry topic created under it."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    await ensure_topics(infra.bootstrap_servers, prefix=prefix)
    return prefix
