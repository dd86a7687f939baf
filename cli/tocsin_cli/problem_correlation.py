"""`tocsin problems evaluate` (correlation quality on seeded generated streams, run locally) and
`tocsin problems backtest` (replay the stored incident events through a candidate rule set, on the
problem service, changing nothing).

`add_correlation_commands(actions)` takes the `problems` subparsers; each parser sets
`problems_run` to a function of (args, settings) returning the exit status.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from tocsin_problem.evaluation.run import CLUSTERINGS, Summary, evaluate_many
from tocsin_shared.config.loader import ConfigError, load_config

from .errors import CliError
from .problems_client import Api
from .settings import CliSettings

_LABELS = {
    "engine_auto": "engine, auto-links",
    "engine_suggestions": "engine + suggestions accepted",
    "baseline_dedup": "baseline: same dedup key",
}


def add_correlation_commands(actions: Any) -> None:
    evaluate = actions.add_parser(
        "evaluate",
        help="correlation quality on seeded generated incident streams (runs locally)",
        epilog="exit status: 0 done, 1 bad config, 2 usage",
    )
    evaluate.add_argument("--seed", type=int, default=1, help="one seed (default 1)")
    evaluate.add_argument("--seeds", help="comma-separated seeds, e.g. 1,2,3 (overrides --seed)")
    evaluate.add_argument("--config", dest="rules_config", type=Path, help="rules from this YAML")
    evaluate.add_argument(
        "--window-minutes",
        type=float,
        default=60.0,
        help="the same-service time-window baseline's window (default 60)",
    )
    evaluate.add_argument("--json", action="store_true", help="print every figure as JSON")
    evaluate.set_defaults(problems_run=run_evaluate)

    backtest = actions.add_parser(
        "backtest",
        help="replay stored incident events through a rule set; nothing changes",
        epilog="exit status: 0 done, 1 other error, 2 usage, 3 API unreachable, 4 token refused",
    )
    backtest.add_argument("--rules", type=Path, required=True, help="YAML: correlation_rules …")
    backtest.add_argument("--from", dest="start", required=True, help="ISO 8601 with offset")
    backtest.add_argument("--to", dest="end", required=True, help="ISO 8601 with offset")
    backtest.add_argument("--url", dest="problem_url", help="problem service URL")
    backtest.add_argument("--token", dest="api_token", help="API token (env TOCSIN_API_TOKEN)")
    backtest.add_argument("--json", action="store_true", help="print the API's JSON")
    backtest.set_defaults(problems_run=run_backtest)


def _seeds(args: argparse.Namespace) -> list[int]:
    if not args.seeds:
        return [args.seed]
    try:
        return [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        raise CliError(
            f"--seeds takes integers separated by commas, not {args.seeds!r}", exit_code=2
        ) from None


def run_evaluate(args: argparse.Namespace, settings: CliSettings) -> int:
    config = None
    if args.rules_config is not None:
        try:
            config = load_config(args.rules_config)
        except ConfigError as exc:
            raise CliError(str(exc)) from None
    seeds = _seeds(args)
    if not seeds:
        raise CliError("--seeds names no seed", exit_code=2)
    if args.window_minutes <= 0:
        raise CliError("--window-minutes must be positive", exit_code=2)
    summary = evaluate_many(seeds, config=config, window_minutes=args.window_minutes)
    print(json.dumps(asdict(summary), indent=2) if args.json else render_evaluation(summary))
    return 0


def _row(label: str, values: dict[str, float]) -> str:
    figures = "  ".join(f"{v:<7.3f}" for v in values.values())
    return f"{label:<32}{figures}".rstrip()


def render_evaluation(summary: Summary) -> str:
    names = ("pair P", "pair R", "pair F1", "B3 P", "B3 R", "B3 F1")
    header = (f"{'':<32}" + "  ".join(f"{n:<7}" for n in names)).rstrip()
    lines = [f"seeds {', '.join(map(str, summary.seeds))}"]
    for r in summary.reports:
        lines.append(
            f"  seed {r.seed}: {r.incidents} incidents, {r.faults} true clusters (one-off noise"
            f" included); engine opened {r.problems} problems, {r.auto_links} auto-links"
            f" (precision {r.auto_link_precision:.3f}), {r.suggestions} suggestions"
        )
    for title, table in (("mean", summary.mean), ("worst seed", summary.worst)):
        lines += ["", f"{title}:", header]
        labels = {
            **_LABELS,
            "baseline_window": f"baseline: service, {summary.window_minutes:g} min",
        }
        lines += [_row(labels[c], table[c]) for c in CLUSTERINGS]
    lines += [
        "",
        f"auto-link precision: mean {summary.auto_link_precision_mean:.3f}, "
        f"worst {summary.auto_link_precision_worst:.3f}",
    ]
    return "\n".join(lines)


def run_backtest(
    args: argparse.Namespace, settings: CliSettings, *, client: httpx.Client | None = None
) -> int:
    for name, value in (("--from", args.start), ("--to", args.end)):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise CliError(f"{name}: not an ISO 8601 time: {value!r}", exit_code=2) from None
    try:
        rules = args.rules.read_text()
    except OSError as exc:
        raise CliError(f"cannot read {args.rules}: {exc.strerror}") from None
    url = args.problem_url or f"http://127.0.0.1:{settings.problem_port}"
    token = settings.api_token.get_secret_value() if settings.api_token else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    own = client is None
    http = client or httpx.Client(base_url=url, timeout=300.0)
    try:
        body = Api(http, headers, url).call(
            "POST",
            "/v1/problems/backtest",
            json={"rules": rules, "from": args.start, "to": args.end},
        )
    finally:
        if own:
            http.close()
    print(json.dumps(body, indent=2, sort_keys=True) if args.json else render_backtest(body))
    return 0


def _why(reason: dict[str, Any]) -> str:
    parts = [reason.get("origin", "?")]
    parts += [f"{k} {reason[k]}" for k in ("rule", "recurrence_key", "score") if reason.get(k)]
    if reason.get("note"):
        parts.append(reason["note"])
    return "; ".join(str(p) for p in parts)


def render_backtest(body: dict[str, Any]) -> str:
    problems, links = body.get("problems", []), body.get("links", [])
    lines = [
        f"replayed {body.get('incidents', 0)} incidents"
        + (
            f" ({body['skipped_events']} malformed events skipped)"
            if body.get("skipped_events")
            else ""
        ),
        f"it would open {len(problems)} problems and make {len(links)} links, "
        f"{len(body.get('suggestions', []))} suggestions",
    ]
    for p in problems:
        lines += [
            "",
            f"problem {p['problem_id']} [{p['origin']}] {p['statement']}",
            f"  {len(p.get('incident_ids', []))} incidents; why: {_why(p.get('reason', {}))}",
        ]
    if links:
        lines += ["", "links:"]
        lines += [
            f"  {link['incident_id']} -> {link['problem_id']}  {_why(link.get('reason', {}))}"
            for link in links
        ]
    quality = body.get("quality")
    lines.append("")
    if not quality:
        lines.append("quality: no recorded links in this range")
    else:
        lines.append(
            f"quality against {quality['recorded_links']} recorded links over "
            f"{quality['incidents']} incidents: pairwise P {quality['pairwise_precision']:.3f} "
            f"R {quality['pairwise_recall']:.3f} F1 {quality['pairwise_f1']:.3f}; BCubed P "
            f"{quality['bcubed_precision']:.3f} R {quality['bcubed_recall']:.3f} "
            f"F1 {quality['bcubed_f1']:.3f}"
        )
    return "\n".join(lines)
