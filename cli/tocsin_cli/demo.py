"""`tocsin demo`: against a running system (`make run`), play a scripted story and print it as it
happens: an Alertmanager storm deduplicated into incidents, their pages, an escalation, an SLA
warning and breach, a recurrence that becomes a problem, a known error whose workaround reaches
the next page, an acknowledge through the page's signed link, and the SLA report.

Every beat is the running system's own doing, seen from outside: the demo only sends alerts and
calls the public APIs, listens on the demo service's webhook channel and reads the SLA topic. Its
waits are the config's: `deploy/tocsin.example.yaml`'s `shop` service escalates after 15 s and
breaches its SLA after 30 s; a config with shorter values makes a shorter demo."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from . import sla as sla_report
from .services import SERVICES
from .settings import CliSettings

SERVICE = "shop"


def add_parser(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="play a scripted incident story against a running system (`make run`)",
        description="Sends an Alertmanager storm and more to the running system and prints what"
        " it does: incidents, pages, escalation, SLA warning and breach, a problem, a known"
        " error's workaround in a page, an acknowledge through the page's link, the SLA report."
        " Takes about 35 s with deploy/tocsin.example.yaml.",
        epilog="exit status: 0 done, 1 a beat did not happen, 2 config unusable, 3 not running",
    )
    demo.add_argument("--config", type=Path, help="the running system's YAML (env TOCSIN_CONFIG)")
    demo.add_argument("--service", default=SERVICE, help=f"the demo service (default {SERVICE})")
    demo.add_argument("--token", dest="api_token", help="responder token (default: the config's)")
    for spec in SERVICES:
        demo.add_argument(spec.port_option, dest=spec.port_setting, type=int, help="its HTTP port")
    demo.add_argument("--kafka-port", type=int, help="the embedded broker's port (SLA events)")
    demo.add_argument(
        "--fast",
        action="store_true",
        help="skip the beats that wait for the escalation delay and the SLA target",
    )


def run_demo(args: argparse.Namespace, settings: CliSettings) -> int:
    # Imported here: the receiver and the broker client are for this command only.
    from .demo_io import Story
    from .demo_play import play
    from .demo_setup import plan_from

    plan = plan_from(settings, service=args.service)
    story = Story()
    asyncio.run(play(plan, story, fast=args.fast))
    story.say("8 report", f"tocsin sla report --service {plan.service}")
    report_args = argparse.Namespace(
        sla_url=plan.urls["sla-monitor"], start=None, end=None, service=plan.service, json=False
    )
    sla_report.run_sla(
        report_args, settings.model_copy(update={"api_token": SecretStr(plan.token)})
    )
    return 0
