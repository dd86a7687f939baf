"""Start the problem service's runtime (consumer, relay, API) in-process against real infra."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tocsin_problem import MIGRATIONS, SCHEMA
from tocsin_problem.bootstrap import build_runtime
from tocsin_problem.settings import ProblemSettings
from tocsin_shared.db import migrate
from tocsin_shared.runtime import Runtime

from ..infra import SESSION_TIMEOUT_MS, Infra
from ..samples import sample_config


@asynccontextmanager
async def problem_runtime(infra: Infra, *, dsn: str, prefix: str) -> AsyncIterator[Runtime]:
    await migrate.apply(dsn, schema=SCHEMA, directory=MIGRATIONS, component="problem")
    settings = ProblemSettings(
        database_url=dsn,
        kafka_bootstrap_servers=infra.bootstrap_servers,
        topic_prefix=prefix,
        consumer_session_timeout_ms=SESSION_TIMEOUT_MS,
        consumer_retry_backoff_s=0.05,
        consumer_max_attempts=3,
        outbox_poll_interval_s=0.2,
    )
    runtime = build_runtime(settings, config=sample_config())
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()
