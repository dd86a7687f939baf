"""The problem correlation benchmark's history: a seeded generated stream correlated in memory by
the same engine the service runs, then bulk-loaded into the problem schema as if the service had
seen it (incidents, recurrence keys, problems, links, templates)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from tocsin_problem import SCHEMA
from tocsin_problem.domain.correlation.memory import MemoryCorrelator
from tocsin_problem.domain.correlation.model import DEFAULT_RULES, recurrence_key
from tocsin_problem.evaluation.generator import GeneratorSettings, generate
from tocsin_shared.config.models import CorrelationSettings

SYSTEM = json.dumps({"kind": "system", "id": "bench"})


def correlated_history(
    history: int, measure: int, seed: int
) -> tuple[MemoryCorrelator, list[Any], Any]:
    settings = GeneratorSettings(services=15, weeks=max(4, (history + measure) // 50 + 1))
    stream = generate(seed, settings)
    incidents = [g.facts for g in stream.incidents[: history + measure]]
    engine = MemoryCorrelator(
        rules=list(DEFAULT_RULES), settings=CorrelationSettings(), services=stream.services
    )
    for facts in incidents[:history]:
        engine.observe(facts)
    return engine, incidents[history:], stream


async def load_history(dsn: str, engine: MemoryCorrelator) -> None:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": SCHEMA})
    try:
        facts = list(engine.incidents.values())
        await conn.copy_records_to_table(
            "observed_incidents",
            columns=[
                "incident_id",
                "service",
                "dedup_key",
                "summary",
                "severity",
                "status",
                "triggered_at",
                "updated_at",
                "last_event_type",
                "labels",
                "template",
            ],
            records=[
                (
                    f.incident_id,
                    f.service,
                    f.dedup_key,
                    f.summary,
                    "critical",
                    "resolved",
                    f.triggered_at,
                    f.triggered_at,
                    "tocsin.incident.resolved.v1",
                    json.dumps(dict(f.labels)),
                    f.template,
                )
                for f in facts
            ],
        )
        await conn.copy_records_to_table(
            "recurrence_keys",
            columns=["incident_id", "rule", "key", "service", "triggered_at"],
            records=[
                (f.incident_id, r.name, recurrence_key(f, r), f.service, f.triggered_at)
                for f in facts
                for r in DEFAULT_RULES
            ],
        )
        numbers = {pid: n for n, pid in enumerate(engine.problems, start=1)}
        await conn.copy_records_to_table(
            "problems",
            columns=[
                "problem_id",
                "number",
                "statement",
                "service",
                "origin",
                "rule",
                "recurrence_key",
                "state",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    p.problem_id,
                    numbers[p.problem_id],
                    p.statement,
                    p.service,
                    p.origin.value,
                    p.rule,
                    p.recurrence_key,
                    "new" if p.is_open else "resolved",
                    p.opened_at or datetime.now(UTC),
                    p.opened_at or datetime.now(UTC),
                )
                for p in engine.problems.values()
            ],
        )
        await conn.execute("SELECT setval('problem_numbers', $1)", max(len(numbers), 1))
        links = list(engine.links.values())
        await conn.copy_records_to_table(
            "problem_links",
            columns=[
                "incident_id",
                "problem_id",
                "origin",
                "reason",
                "confidence",
                "actor",
                "linked_at",
            ],
            records=[
                (
                    k.incident_id,
                    k.problem_id,
                    k.reason.origin.value,
                    k.reason.model_dump_json(),
                    k.confidence,
                    SYSTEM,
                    k.linked_at,
                )
                for k in links
            ],
        )
        templates: dict[tuple[UUID, str, str], datetime] = {}
        for k in links:
            f = engine.incidents[k.incident_id]
            key = (k.problem_id, f.service, f.template)
            templates[key] = max(templates.get(key, f.triggered_at), f.triggered_at)
        await conn.copy_records_to_table(
            "problem_templates",
            columns=["problem_id", "service", "template", "last_seen"],
            records=[(*key, seen) for key, seen in templates.items()],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
