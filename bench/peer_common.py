"""Pure helpers of the peer benchmark (no processes, no I/O): alert payloads for both sides,
their configs, percentiles and ratios."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

ALERTNAME = "PeerBench"
# A key is `<phase tag>-<n>`; the tag names the phase a webhook belongs to.
TAG_SEPARATOR = "-"

TOCSIN_PAGE_KEY = "peer-page-key"  # integration of the service that pages
TOCSIN_QUIET_KEY = "peer-quiet-key"  # integration of the service with no escalation policy

AM_GROUP_WAIT = "0s"
AM_GROUP_INTERVAL = "1s"
AM_REPEAT_INTERVAL = "24h"


def key_tag(key: str) -> str:
    return key.split(TAG_SEPARATOR, 1)[0]


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile, `p` in [0, 1]; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 1))  # ceil(n * p), at least the first
    return ordered[min(len(ordered), int(rank)) - 1]


def ratio(tocsin: float | None, alertmanager: float | None) -> float | None:
    """Tocsin / Alertmanager, or None when either side has no figure or the divisor is 0."""
    if tocsin is None or alertmanager is None or alertmanager == 0:
        return None
    return round(tocsin / alertmanager, 4)


def am_alert(key: str, *, page: bool, starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
    """One alert as Prometheus posts it to Alertmanager's `/api/v2/alerts`. `instance` carries
    the key, so with group_by [alertname, instance] every key is its own group."""
    return {
        "labels": {
            "alertname": ALERTNAME,
            "instance": key,
            "phase": key_tag(key),
            "page": "yes" if page else "no",
            "severity": "critical",
        },
        "annotations": {"summary": f"peer bench {key}"},
        "startsAt": starts_at.isoformat(),
        "endsAt": ends_at.isoformat(),
        "generatorURL": f"http://prometheus.invalid/graph?g0.expr=up%7Binstance%3D%22{key}%22%7D",
    }


def am_body(keys: list[str], *, page: bool, now: datetime) -> bytes:
    """A batch as Prometheus sends it: started a minute ago, ending four resend delays ahead."""
    starts, ends = now - timedelta(minutes=1), now + timedelta(minutes=4)
    alerts = [am_alert(k, page=page, starts_at=starts, ends_at=ends) for k in keys]
    return json.dumps(alerts).encode()


def tocsin_alert(key: str) -> dict[str, Any]:
    return {
        "dedup_key": key,
        "summary": f"peer bench {key}",
        "severity": "critical",
        "labels": {"alertname": ALERTNAME, "instance": key, "phase": key_tag(key)},
    }


def tocsin_body(keys: list[str]) -> bytes:
    """A batch for Tocsin's native `POST /v1/alerts`."""
    return json.dumps({"alerts": [tocsin_alert(k) for k in keys]}).encode()


def am_config(receiver_url: str) -> str:
    """Every key its own group; paging alerts go to the webhook, the ingest ones nowhere."""
    config = {
        "route": {
            "receiver": "blackhole",
            "group_by": ["alertname", "instance"],
            "group_wait": AM_GROUP_WAIT,
            "group_interval": AM_GROUP_INTERVAL,
            "repeat_interval": AM_REPEAT_INTERVAL,
            "routes": [{"receiver": "bench", "matchers": ['page="yes"']}],
        },
        "receivers": [
            {"name": "blackhole"},
            {
                "name": "bench",
                "webhook_configs": [{"url": receiver_url, "send_resolved": False}],
            },
        ],
    }
    return json.dumps(config, indent=2)  # JSON is YAML


def tocsin_config(receiver_url: str) -> str:
    """One service pages a webhook channel through its escalation policy; the other (for the
    ingest phases) has no policy. A plain channel is not rate-limited or bundled (only a
    person's contact is, see the notifier's domain/bundling.py), so every incident is its own
    page."""
    return f"""
services:
  - name: peer-page
    escalation_policy: peer
  - name: peer-quiet
integrations:
  - name: peer-page
    service: peer-page
    key: "{TOCSIN_PAGE_KEY}"
  - name: peer-quiet
    service: peer-quiet
    key: "{TOCSIN_QUIET_KEY}"
channels:
  - name: peer-webhook
    type: webhook
    url: {receiver_url}
    secret: peer-bench-secret
escalation_policies:
  - name: peer
    levels:
      - targets: [{{channel: peer-webhook}}]
        delay_minutes: 60
"""


def webhook_keys(body: dict[str, Any]) -> list[str]:
    """The alert keys one webhook carries: Alertmanager's alerts, or Tocsin's incident (or the
    incidents of a bundle)."""
    if "alerts" in body:
        return [str(a.get("labels", {}).get("instance", "")) for a in body["alerts"]]
    incidents = body.get("incidents") or [body.get("incident") or {}]
    return [str(i.get("dedup_key", "")) for i in incidents if i.get("dedup_key")]


def ingest_keys(tag: str, *, request: int, batch: int, distinct: int) -> list[str]:
    """The keys of one ingest request: the pool of `distinct` alerts, re-sent in turn."""
    return [f"{tag}-{(request * batch + n) % distinct}" for n in range(batch)]
