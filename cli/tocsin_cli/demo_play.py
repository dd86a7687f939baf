"""The demo's run: check the system answers, listen for pages and SLA events, play the beats."""

from __future__ import annotations

import secrets

import httpx

from .demo_io import EXIT_UNREACHABLE, DemoApi, Story, seconds
from .demo_problem import acknowledge, acknowledge_critical, known_error, recurrence
from .demo_setup import DemoPlan
from .demo_steps import escalation_and_sla, first_pages, storm
from .demo_watch import pager_inbox, sla_inbox
from .errors import CliError


def run_tag() -> str:
    """A word (letters only, so it stays in the summaries' templates) that makes this run's faults
    new ones: the story plays again on the same system."""
    return "".join(secrets.choice("bdfgklmnprstvz") + secrets.choice("aeiou") for _ in range(3))


async def preflight(http: httpx.AsyncClient, plan: DemoPlan) -> None:
    for name, url in plan.urls.items():
        try:
            ready = await http.get(f"{url}/readyz")
        except httpx.TransportError:
            raise CliError(
                f"Tocsin is not running: nothing answers at {url} ({name}). Start it with"
                " `make run` (or `tocsin up`), then run `tocsin demo` again; if it runs on other"
                " ports, give them (--incident-port ...)",
                exit_code=EXIT_UNREACHABLE,
            ) from None
        if ready.status_code != 200:
            raise CliError(
                f"the {name} service at {url} is not ready ({ready.status_code}):"
                f" {ready.text[:200]}",
                exit_code=EXIT_UNREACHABLE,
            )


async def play(plan: DemoPlan, story: Story, *, fast: bool) -> None:
    tag = run_tag()
    async with httpx.AsyncClient(timeout=15) as http:
        await preflight(http, plan)
        api = DemoApi(http, plan)
        async with (
            pager_inbox(plan.pager) as pages,
            sla_inbox(plan.kafka_bootstrap, plan.sla_topic) as sla_events,
        ):
            story.say(
                "0 start",
                f"service {plan.service!r}, run {tag!r}: pages go to {' → '.join(plan.levels)}",
            )
            happened = await storm(api, story, tag=tag)
            await first_pages(story, pages, plan, storm=happened)
            if fast:
                story.say(
                    "3 escalate",
                    f"skipped (--fast): level 2 is paged {seconds(plan.escalate_after_s)} after"
                    " level 1",
                )
                story.say("4 sla", f"skipped (--fast): the SLA breaches at {seconds(plan.sla_s)}")
            else:
                await escalation_and_sla(story, pages, sla_events, api, plan, storm=happened)
            problem = await recurrence(api, story, tag=tag)
            page = await known_error(api, story, pages, problem=problem, tag=tag)
            await acknowledge(api, http, story, page=page)
            await acknowledge_critical(api, http, story, pages, incident_id=happened.critical["id"])
