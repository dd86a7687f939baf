"""The peer benchmark's workloads, the same for both sides: sustained ingest (a pool of alerts
re-sent as Prometheus does), a burst of new alerts (one webhook each), an alert storm over a few
dedup keys. A `Side` says how to talk to Alertmanager or to Tocsin."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from peer_common import ingest_keys, percentile


@dataclass
class Side:
    name: str
    prefix: str  # of every key this side is sent, so the receiver keeps the sides apart
    post_url: str
    body: Callable[[list[str], bool], bytes]  # (keys, page) -> request body
    headers: Callable[[bool], dict[str, str]]  # page -> headers
    ok_status: int
    # Alerts processed so far (Tocsin's incident.alerts rows); None: accepted means processed.
    processed: Callable[[], Awaitable[int]] | None
    # After a storm: {"incidents": ..., ...} for the keys of a tag.
    incidents: Callable[[str], Awaitable[dict[str, int]]]


@dataclass
class Hooks:
    """The receiver, seen from the bench."""

    base: str

    async def count(self, http: httpx.AsyncClient, tag: str) -> dict[str, int]:
        got: dict[str, int] = (await http.get(f"{self.base}/count", params={"tag": tag})).json()
        return got

    async def first(self, http: httpx.AsyncClient, tag: str) -> dict[str, float]:
        got: dict[str, float] = (await http.get(f"{self.base}/first", params={"tag": tag})).json()
        return got


async def post_all(
    side: Side, bodies: list[tuple[list[str], bytes]], *, page: bool, clients: int
) -> tuple[dict[str, float], int, list[float]]:
    """Posts every body from `clients` keep-alive clients. Returns when each key was last sent
    (start of its request, wall clock), how many requests were refused, request latencies."""
    sent: dict[str, float] = {}
    refused = 0
    latencies: list[float] = []
    queue = iter(bodies)
    headers = {"Content-Type": "application/json", **side.headers(page)}

    async def client() -> None:
        nonlocal refused
        limits = httpx.Limits(max_keepalive_connections=1, max_connections=1)
        async with httpx.AsyncClient(limits=limits, timeout=120) as http:
            for keys, body in queue:
                started, clock = time.time(), time.perf_counter()
                response = await http.post(side.post_url, content=body, headers=headers)
                latencies.append(time.perf_counter() - clock)
                if response.status_code != side.ok_status:
                    refused += 1
                    continue
                sent.update(dict.fromkeys(keys, started))

    await asyncio.gather(*(client() for _ in range(clients)))
    return sent, refused, latencies


async def _until(check: Callable[[], Awaitable[bool]], *, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.5)  # a count(*) over incident.alerts is load on the measured side
    return False


def _ms(values: list[float], p: float) -> float | None:
    found = percentile(values, p)
    return None if found is None else round(found * 1000, 1)


async def ingest(
    side: Side, *, batch: int, total: int, distinct: int, clients: int, drain_s: float
) -> dict[str, Any]:
    tag = f"{side.prefix}ing{batch}"
    requests = max(1, total // batch)
    keys = [ingest_keys(tag, request=r, batch=batch, distinct=distinct) for r in range(requests)]
    bodies = [(k, side.body(k, False)) for k in keys]
    before = await side.processed() if side.processed else 0
    started = time.perf_counter()
    _, refused, latencies = await post_all(side, bodies, page=False, clients=clients)
    accept_s = time.perf_counter() - started
    accepted = (requests - refused) * batch
    processed_s: float | None = accept_s
    if side.processed is not None:
        counter = side.processed

        async def drained() -> bool:
            return await counter() - before >= accepted

        done = await _until(drained, timeout_s=drain_s)
        processed_s = time.perf_counter() - started if done else None
    return {
        "batch": batch,
        "alerts": requests * batch,
        "distinct": distinct,
        "refused_requests": refused,
        "accept_s": round(accept_s, 3),
        "accepted_per_s": round(accepted / accept_s, 1),
        "request_p50_ms": _ms(latencies, 0.5),
        "request_p99_ms": _ms(latencies, 0.99),
        "processed_s": round(processed_s, 3) if processed_s else None,
        "processed_per_s": round(accepted / processed_s, 1) if processed_s else None,
    }


async def burst(
    side: Side, hooks: Hooks, *, total: int, batch: int, clients: int, drain_s: float
) -> dict[str, Any]:
    """`total` new alerts, each its own group/incident: time until every one has a webhook."""
    tag = f"{side.prefix}burst{total}"
    keys = [f"{tag}-{i}" for i in range(total)]
    chunks = [keys[s : s + batch] for s in range(0, total, batch)]
    bodies = [(c, side.body(c, True)) for c in chunks]
    async with httpx.AsyncClient(timeout=60) as http:
        first_sent = time.time()
        sent, refused, _ = await post_all(side, bodies, page=True, clients=clients)
        send_s = time.time() - first_sent

        async def all_in() -> bool:
            return (await hooks.count(http, tag))["keys"] >= len(sent)

        done = await _until(all_in, timeout_s=drain_s)
        await asyncio.sleep(1.0)  # late duplicates, if any, are counted too
        counts = await hooks.count(http, tag)
        first = await hooks.first(http, tag)
    latencies = [first[k] - t for k, t in sent.items() if k in first]
    last = max(first.values(), default=first_sent)
    return {
        "alerts": total,
        "refused_requests": refused,
        "send_s": round(send_s, 3),
        "all_webhooked_s": round(last - first_sent, 3) if done else None,
        "alerts_with_webhook": len(first),
        "webhooks": counts["posts"],
        "latency_p50_ms": _ms(latencies, 0.5),
        "latency_p99_ms": _ms(latencies, 0.99),
        "latency_max_ms": _ms(latencies, 1.0),
    }


async def storm(
    side: Side, hooks: Hooks, *, total: int, keys: int, batch: int, clients: int, drain_s: float
) -> dict[str, Any]:
    """`total` alerts over `keys` dedup keys, interleaved: one incident and at most one page
    per key; drained once every alert is processed and every key has its page."""
    tag = f"{side.prefix}storm"
    stream = [f"{tag}-{i % keys}" for i in range(total)]
    bodies = [
        (c, side.body(c, True)) for c in (stream[s : s + batch] for s in range(0, total, batch))
    ]
    before = await side.processed() if side.processed else 0
    async with httpx.AsyncClient(timeout=60) as http:
        started = time.perf_counter()
        _, refused, _ = await post_all(side, bodies, page=True, clients=clients)
        send_s = time.perf_counter() - started
        accepted = total - refused * batch
        counter = side.processed

        async def drained() -> bool:
            if counter is not None and await counter() - before < accepted:
                return False
            return (await hooks.count(http, tag))["keys"] >= keys

        done = await _until(drained, timeout_s=drain_s)
        drain = time.perf_counter() - started
        await asyncio.sleep(2.0)  # late or repeated pages are counted too
        counts = await hooks.count(http, tag)
    return {
        "alerts": total,
        "dedup_keys": keys,
        "refused_requests": refused,
        "send_s": round(send_s, 3),
        "drain_s": round(drain, 3) if done else None,
        "pages": counts["posts"],
        "keys_paged": counts["keys"],
        **await side.incidents(tag),
    }
