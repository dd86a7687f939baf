"""Correlation engine benchmark, in memory: incidents/s through candidates + decide + apply, with
N incidents of history already correlated.

Pure: no Postgres, no broker; the problem service's own cost (its candidate queries and writes)
is in the end-to-end benchmark. It generates a long seeded stream (the evaluation's generator,
run over as many weeks as it takes), feeds the first `--history` incidents to a
`MemoryCorrelator` (the history: timed too, reported as the warm-up rate), then times each of
the next `--measure` incidents: the whole step (`observe`: candidates, decide, apply) and
`decide` alone on the same candidates. Prints a summary and writes
`bench/results/problem-correlation-memory-<UTC date-time>.json` with the machine.
Usage: `.venv/bin/python bench/problem_correlation_memory.py --history 100000 --measure 5000`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles
from typing import Any

from tocsin_problem.domain.correlation.decide import decide
from tocsin_problem.domain.correlation.memory import MemoryCorrelator
from tocsin_problem.domain.correlation.model import DEFAULT_RULES
from tocsin_problem.evaluation.generator import GeneratorSettings, generate
from tocsin_shared.config.models import CorrelationSettings

RESULTS = Path(__file__).resolve().parent / "results"


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = quantiles(values, n=100, method="inclusive")
    return {"p50_us": cuts[49] * 1e6, "p99_us": cuts[98] * 1e6, "max_us": max(values) * 1e6}


def run(history: int, measure: int, seed: int) -> dict[str, Any]:
    total = history + measure
    # ~60 incidents a week with 15 services: enough weeks for the total, with a margin.
    settings = GeneratorSettings(services=15, weeks=max(4, total // 50 + 1), noise_per_week=0.3)
    stream = generate(seed, settings)
    if len(stream.incidents) < total:
        raise SystemExit(f"generated only {len(stream.incidents)} incidents; lower the counts")
    incidents = [g.facts for g in stream.incidents[:total]]
    rules, correlation = list(DEFAULT_RULES), CorrelationSettings()
    engine = MemoryCorrelator(rules=rules, settings=correlation, services=stream.services)
    started = time.perf_counter()
    for facts in incidents[:history]:
        engine.observe(facts)
    warmup_s = time.perf_counter() - started
    step_s, decide_s = [], []
    for facts in incidents[history:]:
        t0 = time.perf_counter()
        candidates = engine.candidates(facts)
        t1 = time.perf_counter()
        decision = decide(facts, candidates, rules=rules, settings=correlation)
        t2 = time.perf_counter()
        engine.record(facts)
        engine.apply(facts, decision)
        t3 = time.perf_counter()
        step_s.append(t3 - t0)
        decide_s.append(t2 - t1)
    return {
        "history": history,
        "measured": measure,
        "seed": seed,
        "weeks": settings.weeks,
        "services": settings.services,
        "problems": len(engine.problems),
        "links": len(engine.links),
        "history_rate_per_s": history / warmup_s,
        "step_rate_per_s": measure / sum(step_s),
        "decide_rate_per_s": measure / sum(decide_s),
        "step": _percentiles(step_s),
        "decide": _percentiles(decide_s),
    }


def _machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "commit": commit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--measure", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = {"machine": _machine(), **run(args.history, args.measure, args.seed)}
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"problem-correlation-memory-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{result['history']:,} incidents of history ({result['problems']:,} problems, "
        f"{result['links']:,} links): history fed at {result['history_rate_per_s']:,.0f}/s\n"
        f"next {result['measured']:,}: {result['step_rate_per_s']:,.0f} incidents/s "
        f"(candidates + decide + apply; p50 {result['step']['p50_us']:.0f} µs, "
        f"p99 {result['step']['p99_us']:.0f} µs); decide alone "
        f"{result['decide_rate_per_s']:,.0f}/s (p99 {result['decide']['p99_us']:.0f} µs)\n"
        f"written to {path}"
    )


if __name__ == "__main__":
    main()
