"""What every compatible edge shares: key lookup by kind, severity mapping, throttling, produce."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from tocsin_shared.config.models import Integration, IntegrationKind, TocsinConfig
from tocsin_shared.contracts.alerts import SUMMARY_MAX, RawAlertV1
from tocsin_shared.contracts.events import Severity
from tocsin_shared.observability.propagation import producing

from ..ingest import to_record
from ..metrics import RECEIVED
from ..ports import AlertSink


def integration_of_kind(
    config: TocsinConfig, presented: str | None, kind: IntegrationKind
) -> Integration | None:
    """The integration a key belongs to, if it is of the endpoint's kind.

    A key of another kind is treated exactly like an unknown key: a PagerDuty routing key is not
    an Opsgenie API key, and saying "right key, wrong endpoint" would leak that the key exists.
    """
    if not presented:
        return None
    found = config.integration_for_key(presented)
    return found if found is not None and found.kind is kind else None


def map_severity(integration: Integration, token: str | None, *, default: Severity) -> Severity:
    """The integration's severity_map first, then the token itself if it names a severity."""
    if token is None:
        return default
    mapped = integration.severity_map.get(token)
    if mapped is not None:
        return mapped
    try:
        return Severity(token.lower())
    except ValueError:
        return default


def utc(value: datetime | None) -> datetime | None:
    """In UTC; None for Go's zero time (Alertmanager's "not yet") or an unrepresentable one."""
    if value is None or value.year <= 1:
        return None
    try:
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        return None


def clipped(summary: str) -> tuple[str, bool]:
    return summary[:SUMMARY_MAX], len(summary) > SUMMARY_MAX


async def produce(sink: AlertSink, raws: list[RawAlertV1], *, topic: str) -> None:
    """Produce in a PRODUCER span (the records carry its trace context), then count them."""
    if raws:
        with producing(topic):
            await sink.send_all([to_record(r, topic=topic) for r in raws])
        for raw in raws:
            RECEIVED.labels(raw.integration).inc()


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class Throttle:
    """A token bucket per integration, in this process (each replica throttles on its own)."""

    monotonic: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def allow(self, integration: Integration) -> bool:
        now = self.monotonic()
        burst = float(integration.rate_limit_burst)
        bucket = self._buckets.setdefault(integration.name, _Bucket(tokens=burst, at=now))
        refill = (now - bucket.at) * integration.rate_limit_per_s
        bucket.tokens, bucket.at = min(burst, bucket.tokens + refill), now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def request_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """An OpenAPI requestBody for a route that reads its body itself (to answer in the API's own
    error shape); the schema is inlined because `$defs` would not resolve inside the document."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
        }
    }


def described(status_and_text: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses: each a JSON object, described in words (shapes are the API's own)."""
    return {
        status: {
            "description": text,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
        for status, text in status_and_text.items()
    }
