"""`tocsin demo` against `tocsin up` running deploy/tocsin.example.yaml, as a user runs it after
`make run`: every beat of the story is printed, and the system agrees with what was printed.

The only change to the example config: the demo's webhook listens on a free port, and the `shop`
escalation and SLA timings are shorter (6 s, 12 s instead of 15 s, 30 s) so the whole test stays
near a minute and a half; the demo reads its waits from the config, so no beat is skipped."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tocsin_cli.embedded import free_port
from tocsin_cli.services import SERVICES

from ..infra import eventually
from .system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
REPO = Path(__file__).resolve().parents[2]
RESPONDER = {"Authorization": "Bearer dev-responder-token"}
BEATS = (
    "24 alerts sent → 3 incidents",
    "page to channel demo-pager (level 1), HMAC ok: [critical]",
    "page to user dana (level 2), HMAC ok: [critical]",
    "warning: 50 % of 12 s gone",
    "BREACHED: 100 % of 12 s gone",
    "opened (new, origin rule): Recurring on shop: Disk usage on db-",
    "Known workaround: Run wal-cleanup.sh on the host",
    "→ 200 confirmation page: 'Acknowledge this incident?'",
    "the incident is still triggered",
    "POST the same link → 200: 'Incident acknowledged'",
    "SLA clock shop-tta stopped: breached",
    "compliance: 0 %  (met 0, breached 1, cancelled 0)",
)


def short_example(pager_port: int) -> str:
    config: dict[str, Any] = yaml.safe_load((REPO / "deploy" / "tocsin.example.yaml").read_text())
    for channel in config["channels"]:
        if channel["name"] == "demo-pager":
            channel["url"] = f"http://127.0.0.1:{pager_port}/demo-pager"
    for policy in config["escalation_policies"]:
        if policy["name"] == "shop-demo":
            for level in policy["levels"]:
                level["delay_minutes"] = 0.1
    for sla in config["sla_policies"]:
        if sla["name"] == "shop-tta":
            sla["minutes"] = 0.2
    return yaml.safe_dump(config, sort_keys=False)


def demo(system: System, config: Path) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "tocsin_cli", "demo", "--config", str(config)]
    for spec in SERVICES:
        args += [spec.port_option, str(system.up.ports[spec.port_option.removeprefix("--")])]
    args += ["--kafka-port", str(system.up.ports["kafka-port"])]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    return subprocess.run(args, env=clean, capture_output=True, text=True, timeout=150, check=False)


async def test_demo_plays_every_beat_against_the_example_config(tmp_path: Path) -> None:
    text = short_example(free_port())
    async with running_system(tmp_path, config_text=text) as system:
        played = await asyncio.to_thread(demo, system, tmp_path / "tocsin.yaml")
        output = played.stdout + played.stderr
        assert played.returncode == 0, f"{output}\n{system.up.output()}"
        missing = [beat for beat in BEATS if beat not in played.stdout]
        assert not missing, f"missing beats {missing} in:\n{output}"
        assert "Traceback" not in output
        async with httpx.AsyncClient(timeout=10, headers=RESPONDER) as http:
            problems = await http.get(f"{system.url('problem')}/v1/problems?service=shop")
            listed = await http.get(f"{system.url('incident')}/v1/incidents?service=shop")
        assert [p["origin"] for p in problems.json()["problems"]] == ["rule"]
        statuses = {i["summary"]: i["status"] for i in listed.json()["incidents"]}
        fourth = [s for summary, s in statuses.items() if summary.startswith("Disk usage on db-4")]
        critical = [s for summary, s in statuses.items() if summary.startswith("Checkout p99")]
        assert fourth == ["acknowledged"] and critical == ["acknowledged"], statuses
        await _fixing_the_problem_resolves_its_incidents(system, problems.json()["problems"][0])


async def _fixing_the_problem_resolves_its_incidents(
    system: System, problem: dict[str, Any]
) -> None:
    """After the story: the problem's fix applied resolves every incident waiting on it (issue 6),
    with the reason on their timelines."""
    url = f"{system.url('problem')}/v1/problems/{problem['id']}"
    steps: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/actions/analyse", None),
        ("PATCH", "", {"cause_notes": "archive_command fails after the bucket moved"}),
        ("POST", "/actions/start_fix", None),
        ("PATCH", "", {"fix_notes": "archive_command points at the new bucket"}),
        ("POST", "/actions/resolve", {"resolution": "fix_applied"}),
    ]
    async with httpx.AsyncClient(timeout=10, headers=RESPONDER) as http:
        detail = (await http.get(url)).json()
        waiting = {link["incident_id"] for link in detail["links"]}
        assert len(waiting) == 4, detail  # db-1 .. db-4
        for method, path, body in steps:
            done = await http.request(method, url + path, json=body)
            assert done.status_code == 200, (path, done.text)

        async def resolved() -> list[dict[str, Any]] | None:
            incidents = [
                (await http.get(f"{system.url('incident')}/v1/incidents/{i}")).json()
                for i in sorted(waiting)
            ]
            return incidents if all(i["status"] == "resolved" for i in incidents) else None

        incidents = await eventually(resolved, timeout_s=60)
    assert all(f"{problem['number']} fixed" in str(i["timeline"]) for i in incidents)
