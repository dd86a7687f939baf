"""The incident service's metrics (docs/observability.md): alerts at the edge and the processor,
incidents by state (refreshed in the background, never per scrape)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.events import IncidentStatus as Status

RECEIVED = Counter(
    "tocsin_alerts_received_total",
    "Alerts accepted (202) by an HTTP ingest edge and produced to the raw topic",
    ["integration"],
)
REJECTED = Counter(
    "tocsin_alerts_rejected_total",
    "Ingest requests answered 4xx (reason: status code; integration unknown if no key matched)",
    ["integration", "reason"],
)
PROCESSED = Counter(
    "tocsin_alerts_processed_total",
    "Raw alerts the processor committed, by outcome (opened, deduplicated, resolved, ...)",
    ["integration", "outcome"],
)
DEDUPLICATED = Counter(
    "tocsin_alerts_deduplicated_total",
    "Raw alerts folded into an already open incident",
    ["integration"],
)


def count_outcomes(pairs: Iterable[tuple[str, str]]) -> None:
    """(integration, outcome) of committed raw alerts."""
    for integration, outcome in pairs:
        PROCESSED.labels(integration, outcome).inc()
        if outcome == "deduplicated":
            DEDUPLICATED.labels(integration).inc()


class IncidentGauges:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.by_state = Gauge(
            "tocsin_incidents", "Incidents by state", ["state"], registry=registry
        )

    async def refresh(self, pool: asyncpg.Pool) -> None:
        rows = await pool.fetch("SELECT status, count(*) AS n FROM incidents GROUP BY status")
        counts = {row["status"]: int(row["n"]) for row in rows}
        for state in Status:
            self.by_state.labels(state.value).set(counts.get(state.value, 0))


INGEST_PATHS = re.compile(
    r"^/(v1/alerts|v1/integrations/alertmanager(/[^/]+)?|v2/enqueue|v2/alerts.*)$"
)


class IngestRejections:
    """Counts 4xx answers of the ingest edges, by the integration whose key was presented."""

    def __init__(self, app: Any, *, config: Callable[[], TocsinConfig]) -> None:
        self.app = app
        self._config = config

    def _integration(self, scope: dict[str, Any]) -> str:
        headers = dict(scope["headers"])
        presented = headers.get(b"authorization", b"").decode("latin-1").partition(" ")[2].strip()
        path_key = scope["path"].rsplit("/", 1)[-1] if "/alertmanager/" in scope["path"] else ""
        for key in (presented, path_key):
            found = self._config().integration_for_key(key) if key else None
            if found is not None:
                return found.name
        return "unknown"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not INGEST_PATHS.match(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def counting(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and 400 <= message["status"] < 500:
                REJECTED.labels(self._integration(scope), str(message["status"])).inc()
            await send(message)

        await self.app(scope, receive, counting)
