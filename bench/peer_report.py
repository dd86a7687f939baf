"""The peer benchmark's comparison: rows of (what, Alertmanager, Tocsin, Tocsin / Alertmanager)
from both sides' results, and the printed table."""

from __future__ import annotations

from typing import Any

from peer_common import ratio

Row = tuple[str, float | None, float | None, float | None]


def _get(side: dict[str, Any], phase: str, field: str) -> float | None:
    value = side.get("phases", {}).get(phase, {}).get(field)
    return value if isinstance(value, int | float) else None


def rows(am: dict[str, Any], tocsin: dict[str, Any]) -> list[Row]:
    out: list[Row] = []

    def add(label: str, phase: str, am_field: str, tocsin_field: str | None = None) -> None:
        a, t = _get(am, phase, am_field), _get(tocsin, phase, tocsin_field or am_field)
        out.append((label, a, t, ratio(t, a)))

    for phase in sorted((p for p in am.get("phases", {}) if p.startswith("ingest")), key=_num):
        batch = phase.removeprefix("ingest")
        add(f"ingest, batch {batch}: accepted alerts/s", phase, "accepted_per_s")
        add(f"ingest, batch {batch}: processed alerts/s *", phase, "processed_per_s")
    for phase in sorted((p for p in am.get("phases", {}) if p.startswith("burst")), key=_num):
        n = phase.removeprefix("burst")
        add(f"burst {n}: all webhooked, s", phase, "all_webhooked_s")
        add(f"burst {n}: alert-to-webhook p50, ms", phase, "latency_p50_ms")
        add(f"burst {n}: alert-to-webhook p99, ms", phase, "latency_p99_ms")
    if "storm" in am.get("phases", {}):
        add("storm: incidents (AM: alerts after dedup)", "storm", "incidents")
        add("storm: pages (webhooks)", "storm", "pages")
        add("storm: time to drain, s", "storm", "drain_s")
    for kind, label in (("all", "with"), ("services", "without")):
        a, t = am.get("peak_rss_mib", {}).get(kind), tocsin.get("peak_rss_mib", {}).get(kind)
        out.append((f"peak RSS MiB, {label} embedded infra", a, t, ratio(t, a)))
        a, t = am.get("peak_pss_mib", {}).get(kind), tocsin.get("peak_pss_mib", {}).get(kind)
        out.append((f"peak PSS MiB, {label} embedded infra", a, t, ratio(t, a)))
        a, t = am.get("cpu_s", {}).get(kind), tocsin.get("cpu_s", {}).get(kind)
        out.append((f"CPU s over all phases, {label} embedded infra", a, t, ratio(t, a)))
    return out


def _num(phase: str) -> int:
    digits = "".join(c for c in phase if c.isdigit())
    return int(digits) if digits else 0


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"


def table(compared: list[Row]) -> str:
    width = max(len(r[0]) for r in compared) if compared else 10
    head = f"{'':<{width}}  {'Alertmanager':>12}  {'Tocsin':>10}  {'Tocsin/AM':>10}"
    lines = [head, "-" * len(head)]
    for label, a, t, r in compared:
        lines.append(f"{label:<{width}}  {_fmt(a):>12}  {_fmt(t):>10}  {_fmt(r):>10}")
    lines.append("* Alertmanager processes in memory as it accepts; Tocsin: until every alert is")
    lines.append("  committed to Postgres (incident.alerts).")
    return "\n".join(lines)


def markdown(compared: list[Row]) -> str:
    lines = ["| | Alertmanager 0.25 | Tocsin | Tocsin / AM |", "|---|---|---|---|"]
    lines += [f"| {label} | {_fmt(a)} | {_fmt(t)} | {_fmt(r)} |" for label, a, t, r in compared]
    return "\n".join(lines)
