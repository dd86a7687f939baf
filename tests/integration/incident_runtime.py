"""Start the incident service's runtime (consumers, relay) in-process against real infra."""

from __future__ import annotations

from tocsin_incident import MIGRATIONS, SCHEMA
from tocsin_incident.bootstrap import build_runtime
from tocsin_incident.settings import IncidentSettings
from tocsin_shared.db import migrate
from tocsin_shared.runtime import Runtime

from ..infra import SESSION_TIMEOUT_MS
from ..samples import sample_config


def incident_settings(*, dsn: str, bootstrap: str, prefix: str) -> IncidentSettings:
    return IncidentSettings(
        database_url=dsn,
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        consumer_session_timeout_ms=SESSION_TIMEOUT_MS,
        consumer_retry_backoff_s=0.05,
        consumer_max_attempts=3,
        outbox_poll_interval_s=0.2,
    )


async def migrate_incident(dsn: str) -> None:
    await migrate.apply(dsn, schema=SCHEMA, directory=MIGRATIONS, component="incident")


async def started_runtime(settings: IncidentSettings) -> Runtime:
    runtime = build_runtime(settings, config=sample_config())
    await runtime.start()
    return runtime
