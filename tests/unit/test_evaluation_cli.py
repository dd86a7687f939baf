"""`tocsin problems evaluate` (local) and `tocsin problems backtest` (against a stand-in API)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from tocsin_cli.errors import CliError
from tocsin_cli.problem_correlation import add_correlation_commands, run_backtest
from tocsin_cli.settings import CliSettings

ANSWER: dict[str, Any] = {
    "incidents": 4,
    "skipped_events": 0,
    "problems": [
        {
            "problem_id": "00000000-0000-4000-8000-000000000001",
            "origin": "rule",
            "statement": "Recurring on checkout: High CPU usage 93% on web-2",
            "incident_ids": ["a", "b", "c"],
            "reason": {"origin": "rule", "rule": "r", "note": "3 incidents with this key"},
        }
    ],
    "links": [
        {
            "incident_id": "00000000-0000-4000-8000-00000000000a",
            "problem_id": "00000000-0000-4000-8000-000000000001",
            "confidence": 1.0,
            "reason": {"origin": "rule", "recurrence_key": "checkout/abc"},
        }
    ],
    "suggestions": [],
    "quality": None,
}


def parse(*argv: str) -> argparse.Namespace:
    root = argparse.ArgumentParser()
    add_correlation_commands(root.add_subparsers(dest="problems_command", required=True))
    return root.parse_args(list(argv))


def test_evaluate_prints_the_table_and_the_auto_link_precision(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = parse("evaluate", "--seed", "4")
    assert args.problems_run(args, CliSettings()) == 0
    out = capsys.readouterr().out
    labels = ("engine, auto-links", "baseline: same dedup key", "service, 60 min", "auto-link")
    for label in labels:
        assert label in out
    args = parse("evaluate", "--seeds", "4,5", "--json")
    args.problems_run(args, CliSettings())
    body = json.loads(capsys.readouterr().out)
    assert body["seeds"] == [4, 5] and len(body["reports"]) == 2
    assert body["auto_link_precision_worst"] >= 0.95


def test_evaluate_refuses_bad_seeds_and_bad_config(tmp_path: Path) -> None:
    args = parse("evaluate", "--seeds", "1,x")
    with pytest.raises(CliError) as bad_seeds:
        args.problems_run(args, CliSettings())
    assert bad_seeds.value.exit_code == 2
    args = parse("evaluate", "--window-minutes", "0")
    with pytest.raises(CliError) as bad_window:
        args.problems_run(args, CliSettings())
    assert bad_window.value.exit_code == 2
    config = tmp_path / "rules.yaml"
    config.write_text("correlation_rules:\n  - name: r\n    threshold: 0\n")
    args = parse("evaluate", "--config", str(config))
    with pytest.raises(CliError, match="line 3"):
        args.problems_run(args, CliSettings())


def _client(status: int, body: Any, seen: list[httpx.Request]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(answer), base_url="http://problem")


def test_backtest_posts_the_rules_and_range_and_prints_the_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("correlation_rules:\n  - name: r\n")
    args = parse(
        "backtest", "--rules", str(rules), "--from", "2026-01-01T00:00:00+00:00",
        "--to", "2026-02-01T00:00:00+00:00", "--token", "t",
    )  # fmt: skip
    seen: list[httpx.Request] = []
    settings = CliSettings(api_token="secret")
    assert run_backtest(args, settings, client=_client(200, ANSWER, seen)) == 0
    (request,) = seen
    assert (request.method, request.url.path) == ("POST", "/v1/problems/backtest")
    assert request.headers["authorization"] == "Bearer secret"
    assert json.loads(request.content) == {
        "rules": "correlation_rules:\n  - name: r\n",
        "from": "2026-01-01T00:00:00+00:00",
        "to": "2026-02-01T00:00:00+00:00",
    }
    out = capsys.readouterr().out
    assert "it would open 1 problems and make 1 links" in out
    assert "3 incidents with this key" in out and "recurrence_key checkout/abc" in out
    assert "no recorded links" in out
    quality = dict.fromkeys(
        ("pairwise_precision", "pairwise_recall", "pairwise_f1", "bcubed_precision"), 0.5
    )
    quality |= {"bcubed_recall": 0.25, "bcubed_f1": 0.333, "recorded_links": 2, "incidents": 4}
    run_backtest(args, settings, client=_client(200, {**ANSWER, "quality": quality}, []))
    assert "against 2 recorded links over 4 incidents" in capsys.readouterr().out


def test_backtest_refuses_a_bad_time_without_calling_and_maps_a_refused_token(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("correlation_rules: []\n")
    seen: list[httpx.Request] = []
    args = parse("backtest", "--rules", str(rules), "--from", "yesterday", "--to", "2026-02-01")
    with pytest.raises(CliError) as bad_time:
        run_backtest(args, CliSettings(), client=_client(200, ANSWER, seen))
    assert bad_time.value.exit_code == 2 and not seen
    args = parse("backtest", "--rules", str(rules), "--from", "2026-01-01", "--to", "2026-02-01")
    refused = {"error": {"message": "no token"}}
    with pytest.raises(CliError) as auth:
        run_backtest(args, CliSettings(), client=_client(401, refused, seen))
    assert auth.value.exit_code == 4
