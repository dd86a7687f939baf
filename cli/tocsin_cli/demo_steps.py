"""The story's first half: an Alertmanager storm deduplicated into a few incidents, their pages,
the escalation when nobody acknowledges, and the SLA clock's warnings and breach."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tocsin_shared.contracts.events import SlaBreachedV1, SlaEventData, SlaWarningV1

from .demo_io import DemoApi, Story, firing, seconds
from .demo_setup import DemoPlan
from .demo_watch import Inbox, Page
from .errors import CliError

ROUNDS = 8  # Alertmanager re-sends a firing group at every group_interval
WAIT_S = 60.0  # on top of any configured delay: the machine may be busy
T = TypeVar("T")


@dataclass(frozen=True)
class Storm:
    incidents: list[dict[str, Any]]
    critical: dict[str, Any]


async def until(what: str, probe: Callable[[], Awaitable[T | None]], *, timeout_s: float) -> T:
    deadline = time.monotonic() + timeout_s
    while (found := await probe()) is None:
        if time.monotonic() > deadline:
            raise CliError(f"gave up after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.5)
    return found


def storm_alerts(tag: str) -> list[tuple[str, dict[str, Any]]]:
    labels = {"service": "shop", "run": tag}
    return [
        (
            "CheckoutLatencyHigh",
            firing(
                alertname="CheckoutLatencyHigh",
                severity="critical",
                summary=f"Checkout p99 latency above 2s in the {tag} shop",
                labels={**labels, "instance": "checkout-1:9100"},
            ),
        ),
        (
            "PaymentErrorsRising",
            firing(
                alertname="PaymentErrorsRising",
                severity="warning",
                summary=f"Payment provider errors above 5% in the {tag} shop",
                labels={**labels, "instance": "payments-1:9100"},
            ),
        ),
        (
            "CartQueueBacklog",
            firing(
                alertname="CartQueueBacklog",
                severity="warning",
                summary=f"Cart queue backlog above 10000 messages in the {tag} shop",
                labels={**labels, "instance": "cart-1:9100"},
            ),
        ),
    ]


async def storm(api: DemoApi, story: Story, *, tag: str) -> Storm:
    alerts = storm_alerts(tag)
    sent = 0
    for _ in range(ROUNDS):
        for group, alert in alerts:
            await api.send_alerts([alert], group=group)
            sent += 1
    story.say(
        "1 storm",
        f"Alertmanager posts {sent} alerts: {len(alerts)} rules firing, each re-sent {ROUNDS}"
        " times",
    )
    keys = {a["fingerprint"] for _, a in alerts}

    async def counted() -> list[dict[str, Any]] | None:
        found = await api.incidents(keys)
        done = len(found) == len(keys) and sum(i["alert_count"] for i in found) == sent
        return found if done else None

    incidents = await until("the storm's incidents", counted, timeout_s=WAIT_S)
    story.say("1 storm", f"{sent} alerts sent → {len(incidents)} incidents (deduplicated)")
    for incident in sorted(incidents, key=lambda i: i["severity"]):
        story.detail(
            f"{incident['severity']:<8} {incident['alert_count']} alerts  {incident['summary']}"
        )
    critical = next(i for i in incidents if i["severity"] == "critical")
    return Storm(incidents=incidents, critical=critical)


def page_line(page: Page) -> str:
    incident = page.incident
    who = f"user {page.user}" if page.user else f"channel {page.body.get('channel', '?')}"
    level = "" if page.level is None else f" (level {page.level + 1})"
    signed = "HMAC ok" if page.signed else "HMAC WRONG"
    return f"page to {who}{level}, {signed}: [{incident.get('severity')}] {incident.get('summary')}"


def is_page(incident_id: str, *, level: int) -> Callable[[Any], bool]:
    def fits(page: Page) -> bool:
        return page.incident.get("id") == incident_id and page.level == level

    return fits


async def first_pages(story: Story, pages: Inbox, plan: DemoPlan, *, storm: Storm) -> None:
    story.say("2 page", f"the demo listens on {plan.pager.url} ({plan.pager.channel})")
    for incident in storm.incidents:
        page = await pages.first(is_page(incident["id"], level=0), timeout_s=WAIT_S)
        if page is None:
            raise CliError(f"no page came for {incident['summary']!r} within {WAIT_S:g} s")
        story.say("2 page", page_line(page))


async def escalation_and_sla(
    story: Story, pages: Inbox, events: Inbox | None, api: DemoApi, plan: DemoPlan, *, storm: Storm
) -> None:
    """Nobody acknowledges the critical incident: its next level is paged after the level's
    delay, and its SLA clock warns, then breaches; each line printed as it arrives."""
    incident_id = storm.critical["id"]
    escalated, breached = len(plan.levels) < 2, plan.sla is None
    if escalated:
        story.say("3 escalate", "the policy has one level: nothing to escalate to (skipped)")
    else:
        story.say(
            "3 escalate",
            f"nobody acknowledges the critical one: {plan.levels[1]} is next after"
            f" {seconds(plan.escalate_after_s)} (warnings are low urgency: no escalation)",
        )
    if plan.sla is None:
        story.say("4 sla", "no time-to-acknowledge SLA policy covers the service (skipped)")
    else:
        warn = "/".join(f"{p:g}" for p in plan.sla.warn_at_percent)
        story.say(
            "4 sla",
            f"its SLA clock runs: {plan.sla.name}, acknowledge within {seconds(plan.sla_s)},"
            f" warnings at {warn} %",
        )
    if events is None and not breached:
        story.say("4 sla", f"(cannot read {plan.sla_topic}: asking the SLA API instead)")
    wait = max(plan.escalate_after_s, plan.sla_s) + WAIT_S
    deadline = time.monotonic() + wait
    shown: set[int] = set()
    while not (escalated and breached):
        if not escalated:
            page = next(filter(is_page(incident_id, level=1), pages.items), None)
            if page is not None:
                story.say("3 escalate", page_line(page))
                escalated = True
        if not breached and events is None:
            clock = await _breached(api, incident_id)
            if clock is not None:
                story.say("4 sla", f"BREACHED: {clock['policy']}, due {clock['due_at']}")
                breached = True
        elif not breached and events is not None:
            for event in events.items:
                if _sla_of(event, incident_id) and id(event) not in shown:
                    shown.add(id(event))
                    story.say("4 sla", _sla_line(event, plan))
                    breached = breached or isinstance(event, SlaBreachedV1)
        if time.monotonic() > deadline:
            missing = "the level-2 page" if not escalated else "the SLA breach"
            raise CliError(f"gave up after {wait:g} s waiting for {missing}")
        await asyncio.sleep(0.25)


def _sla_of(event: Any, incident_id: str) -> bool:
    ours = isinstance(event, SlaEventData) and str(event.incident_id) == incident_id
    return ours and isinstance(event, SlaWarningV1 | SlaBreachedV1)


def _sla_line(event: SlaWarningV1 | SlaBreachedV1, plan: DemoPlan) -> str:
    gone = f"{event.percent:g} % of {seconds(plan.sla_s)} gone"
    if isinstance(event, SlaWarningV1):
        return f"warning: {gone}, still unacknowledged"
    return f"BREACHED: {gone}, due {event.due_at.astimezone():%H:%M:%S}"


async def _breached(api: DemoApi, incident_id: str) -> dict[str, Any] | None:
    clocks = await api.call("sla-monitor", "GET", f"/v1/sla/incidents/{incident_id}")
    return next((c for c in clocks["clocks"] if c["state"] == "breached"), None)
