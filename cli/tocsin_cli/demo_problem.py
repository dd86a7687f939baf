"""The story's second half: a fault that recurs on three hosts becomes a problem, the problem's
known error puts its workaround in the next page, and the paged engineer acknowledges through the
page's signed link (GET shows a confirmation page, POST acknowledges)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from .demo_io import DemoApi, Story, firing
from .demo_steps import WAIT_S, page_line, until
from .demo_watch import Inbox, Page
from .errors import CliError

HOSTS = 3
_TITLE = re.compile(r"<h1>(.*?)</h1>", re.DOTALL)


def disk_alert(n: int, tag: str) -> dict[str, Any]:
    return firing(
        alertname="DiskFilling",
        severity="warning",
        summary=f"Disk usage on db-{n} above {90 + n}% in the {tag} shop",
        labels={"service": "shop", "run": tag, "instance": f"db-{n}:9100"},
    )


async def _incident_of(api: DemoApi, alert: dict[str, Any]) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found = await api.incidents({alert["fingerprint"]})
        return found[0] if found else None

    incident: dict[str, Any] = await until(
        f"the incident for {alert['annotations']['summary']!r}", probe, timeout_s=WAIT_S
    )
    return incident


def _reason(reason: Any) -> str:
    if not isinstance(reason, dict):
        return str(reason)
    why = reason.get("note") or reason.get("origin") or "linked"
    return f"{why} (rule {reason.get('rule')})" if reason.get("rule") else str(why)


async def recurrence(api: DemoApi, story: Story, *, tag: str) -> dict[str, Any]:
    alerts = [disk_alert(n, tag) for n in range(1, HOSTS + 1)]
    for alert in alerts:
        await api.send_alerts([alert], group="DiskFilling")
        story.say("5 recurs", f"alert: {alert['annotations']['summary']}")
    incidents = [await _incident_of(api, alert) for alert in alerts]
    first = incidents[0]["id"]
    linked = await until(
        "a problem for the recurring fault",
        lambda: api.found("problem", f"/v1/incidents/{first}/problem"),
        timeout_s=WAIT_S,
    )
    problem_id = linked["problem"]["id"] if "problem" in linked else linked["id"]

    async def listed() -> dict[str, Any] | None:
        found = await api.call("problem", "GET", "/v1/problems", params={"service": "shop"})
        return next((p for p in found["problems"] if p["id"] == problem_id), None)

    problem: dict[str, Any] = await until("the problem in GET /v1/problems", listed, timeout_s=5)
    story.say(
        "5 problem",
        f"GET /v1/problems: {problem['number']} opened ({problem['state']}, origin"
        f" {problem['origin']}): {problem['statement']}",
    )
    detail = await api.call("problem", "GET", f"/v1/problems/{problem_id}")
    templates = {link["reason"].get("template") for link in detail["links"]} - {None}
    story.detail(f"template: {', '.join(sorted(templates))}")
    for link in detail["links"]:
        story.detail(f"incident {link['incident_id'][:8]} linked: {_reason(link['reason'])}")
    return problem


def carries(page: Page, workaround: str) -> bool:
    return workaround in (page.incident.get("workaround") or "") or workaround in str(
        page.body.get("message", "")
    )


async def known_error(
    api: DemoApi, story: Story, pages: Inbox, *, problem: dict[str, Any], tag: str
) -> Page:
    workaround = "Run wal-cleanup.sh on the host, then restart the WAL archiver"
    made = await api.call(
        "problem",
        "POST",
        "/v1/known-errors",
        json={
            "problem_id": problem["id"],
            "title": "The WAL archiver stalls and fills the data disk",
            "signature": {
                "service": "shop",
                "pattern": f"Disk usage on <*> above <*> in the {tag} shop",
            },
            "workaround": workaround,
        },
    )
    await api.call("problem", "POST", f"/v1/known-errors/{made['id']}/actions/publish")
    story.say("6 known", f"known error on {problem['number']} published: {made['title']}")
    story.detail(f"signature: {made['signature']['pattern']!r}; workaround: {workaround}")
    fourth = disk_alert(HOSTS + 1, tag)
    await api.send_alerts([fourth], group="DiskFilling")
    story.say("6 known", f"next alert: {fourth['annotations']['summary']}")
    incident = await _incident_of(api, fourth)

    def fits(page: Page) -> bool:
        return page.incident.get("id") == incident["id"] and carries(page, workaround)

    page: Page | None = await pages.first(fits, timeout_s=WAIT_S)
    if page is None:
        raise CliError(f"no page with the workaround came within {WAIT_S:g} s")
    kind = "follow-up" if page.body.get("type") == "incident.workaround" else "page"
    story.say("6 known", f"{kind}: {page_line(page)}")
    story.detail(f"Known workaround: {page.incident.get('workaround') or workaround}")
    return page


async def acknowledge(
    api: DemoApi, http: httpx.AsyncClient, story: Story, *, page: Page
) -> dict[str, Any]:
    links = page.body.get("links") or {}
    link = links.get("acknowledge")
    if not link:
        raise CliError("the page has no acknowledge link (is TOCSIN_ACTION_LINK_SECRET empty?)")
    incident_id = page.incident["id"]
    shown = await http.get(link)
    story.say("7 ack", f"GET the page's signed link {link[:60]}…")
    story.detail(f"→ {shown.status_code} confirmation page: {_title(shown.text)!r}")
    before = await api.call("incident", "GET", f"/v1/incidents/{incident_id}")
    story.detail(f"the incident is still {before['status']}: opening the link changes nothing")
    done = await http.post(link)
    story.say("7 ack", f"POST the same link → {done.status_code}: {_title(done.text)!r}")
    after: dict[str, Any] = await api.call("incident", "GET", f"/v1/incidents/{incident_id}")
    if after["status"] != "acknowledged":
        raise CliError(f"the link did not acknowledge the incident: it is {after['status']}")
    story.detail(f"the incident is {after['status']} at {after['acknowledged_at']}")
    return after


def _title(html: str) -> str:
    found = _TITLE.search(html)
    return found.group(1) if found else html[:80]


async def acknowledge_critical(
    api: DemoApi, http: httpx.AsyncClient, story: Story, pages: Inbox, *, incident_id: str
) -> None:
    """The critical incident's last page's link; then its SLA clock stops (met or breached)."""
    paged = [p for p in pages.items if p.incident.get("id") == incident_id and p.body.get("links")]
    if not paged:
        raise CliError("no page of the critical incident carried links")
    page = max(paged, key=lambda p: p.level or 0)
    done = await http.post(page.body["links"]["acknowledge"])
    source = f"{page.user}'s page" if page.user else f"its page on {page.body.get('channel')}"
    story.say("7 ack", f"the critical one acknowledged from {source} → {done.status_code}")

    async def stopped() -> list[dict[str, Any]] | None:
        found = await api.call("sla-monitor", "GET", f"/v1/sla/incidents/{incident_id}")
        clocks: list[dict[str, Any]] = found["clocks"]
        return clocks if all(c["stopped_at"] for c in clocks) else None

    for clock in await until("the SLA clock to stop", stopped, timeout_s=WAIT_S):
        story.detail(f"SLA clock {clock['policy']} stopped: {clock['state']}")
