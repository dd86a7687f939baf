"""Backtest core: stored incident events replayed through a rule set, changing nothing."""

from __future__ import annotations

import copy
from typing import Any
from uuid import uuid4

import pytest
from tocsin_problem.domain.correlation.model import IncidentFacts
from tocsin_problem.evaluation.backtest import backtest, parse_rule_set
from tocsin_problem.evaluation.generator import GeneratorSettings, generate
from tocsin_problem.evaluation.run import run_engine
from tocsin_shared.config.loader import ConfigError
from tocsin_shared.config.models import Service
from tocsin_shared.contracts.events import Actor, IncidentTriggeredV1, Severity

RULES = """\
correlation_rules:
  - name: recurrence
    threshold: 3
    window_days: 30
correlation:
  similarity:
    auto_link_threshold: 0.95
"""
SMALL = GeneratorSettings(services=5, weeks=4, noise_per_week=3)


def event(facts: IncidentFacts) -> dict[str, Any]:
    data = IncidentTriggeredV1(
        incident_id=facts.incident_id,
        service=facts.service,
        dedup_key=facts.dedup_key,
        summary=facts.summary,
        severity=Severity.ERROR,
        status="triggered",
        occurred_at=facts.triggered_at,
        actor=Actor(kind="system", id="test"),
        triggered_at=facts.triggered_at,
        source="test",
        labels=dict(facts.labels),
    )
    return {"type": IncidentTriggeredV1.ce_type(), "data": data.model_dump(mode="json")}


def test_a_replay_makes_what_the_engine_would_make_with_reasons() -> None:
    stream = generate(11, SMALL)
    events = [event(g.facts) for g in stream.incidents]
    rule_set = parse_rule_set(RULES, services=stream.services)
    assert rule_set.settings.similarity.auto_link_threshold == 0.95
    result = backtest(reversed(events), rule_set)  # order in the log does not matter
    direct = run_engine(
        stream, rules=rule_set.rules, settings=rule_set.settings, accept_suggestions=False
    )
    assert result.incidents == len(stream.incidents)
    assert result.engine.clusters() == direct.clusters()
    body = result.to_json()
    assert body["problems"] and len(body["links"]) == len(direct.links)
    assert all(link["reason"]["origin"] in {"rule", "similarity"} for link in body["links"])
    assert all(p["reason"].get("note") for p in body["problems"])
    assert body["quality"] is None


def test_other_events_are_ignored_and_malformed_ones_counted() -> None:
    facts = IncidentFacts(uuid4(), "checkout", "k", "High CPU usage 93% on web-2", SMALL.start)
    good = event(facts)
    events = [
        good,
        copy.deepcopy(good),  # the same incident again
        {"type": "tocsin.incident.acknowledged.v1", "data": good["data"]},
        {"type": IncidentTriggeredV1.ce_type(), "data": {"incident_id": "nope"}},
    ]
    before = copy.deepcopy(events)
    result = backtest(events, parse_rule_set(RULES))
    assert (result.incidents, result.skipped_events) == (1, 1)
    assert events == before


def test_quality_is_measured_against_recorded_links() -> None:
    stream = generate(12, SMALL)
    events = [event(g.facts) for g in stream.incidents]
    rule_set = parse_rule_set(RULES, services=stream.services)
    first = backtest(events, rule_set)
    recorded = {i: link.problem_id for i, link in first.engine.links.items()}
    same = backtest(events, rule_set, recorded_links=recorded).quality
    assert same is not None
    assert same["recorded_links"] == len(recorded)
    assert same["pairwise_precision"] == same["pairwise_recall"] == same["bcubed_f1"] == 1.0
    # Recorded: everything of a service in one problem. The replay splits it: recall drops.
    lumped = {g.facts.incident_id: g.facts.incident_id for g in stream.incidents[:1]}
    lumped |= {g.facts.incident_id: next(iter(lumped)) for g in stream.incidents}
    worse = backtest(events, rule_set, recorded_links=lumped).quality
    assert worse is not None and worse["pairwise_recall"] < 0.5


def test_a_rule_set_may_name_the_running_config_services() -> None:
    text = RULES.replace("window_days: 30", "window_days: 30\n    services: [checkout]")
    running = [Service(name="checkout")]
    assert parse_rule_set(text, services=running).rules[0].services == ["checkout"]
    with pytest.raises(ConfigError, match="line 5"):
        parse_rule_set(text)


def test_a_bad_rule_set_is_refused_with_its_line() -> None:
    with pytest.raises(ConfigError, match=r"line 3: correlation_rules\[0\].threshold"):
        parse_rule_set("correlation_rules:\n  - name: r\n    threshold: 1\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_rule_set("correlation_rules: [\n")


def test_a_rule_set_without_rules_runs_the_default_ones_like_the_service() -> None:
    rule_set = parse_rule_set("correlation:\n  similarity:\n    enabled: false\n")
    assert [r.name for r in rule_set.rules] == ["recurrence-default"]
    assert not rule_set.settings.similarity.enabled
