"""One-click action links and notification notes on real Postgres and Kafka: the confirmation
page changes nothing, a POST acts once as the token's user, used / expired / forged / unknown /
illegal links say so plainly; notification events land on the incident's timeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID, uuid4

import httpx
import pytest
from pydantic import SecretStr
from tocsin_incident.bootstrap import build_runtime
from tocsin_shared.contracts.envelope import envelope_for, to_kafka
from tocsin_shared.contracts.events import (
    NotificationDeliveredV1,
    NotificationEventData,
    NotificationFailedV1,
)
from tocsin_shared.contracts.topics import NOTIFICATION_EVENTS, dead_letter
from tocsin_shared.links import LinkAction, sign_action
from tocsin_shared.runtime import Runtime

from ..infra import Infra, eventually
from ..kafka_tools import produce, read_all
from .incident_runtime import incident_settings, migrate_incident
from .lifecycle_support import AUTH, T0, Lifecycle, config_with

SECRET = "integration-link-secret"


class LinkedLifecycle(Lifecycle):
    """The lifecycle harness with the action-link secret set, and an unauthenticated client."""

    async def start(self) -> Runtime:
        settings = incident_settings(
            dsn=self.database, bootstrap=self.infra.bootstrap_servers, prefix=self.prefix
        ).model_copy(update={"action_link_secret": SecretStr(SECRET)})
        self.runtime = build_runtime(settings, config=self.config, clock=self.clock)
        await self.runtime.start()
        return self.runtime

    async def call(self, method: str, path: str, *, auth: bool = False) -> httpx.Response:
        assert self.runtime is not None
        transport = httpx.ASGITransport(app=self.runtime.app(title="test"))
        async with httpx.AsyncClient(transport=transport, base_url="http://incident") as client:
            return await client.request(method, path, headers=AUTH if auth else {})


def link(incident: UUID, action: LinkAction = LinkAction.ACKNOWLEDGE, **kw: object) -> str:
    fields: dict[str, object] = {
        "incident_id": incident,
        "action": action,
        "expires_at": T0 + timedelta(hours=1),
        "user": "ann",
    }
    return f"/v1/links/{sign_action(SECRET, **{**fields, **kw})}"  # type: ignore[arg-type]


@pytest.fixture
async def service(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[LinkedLifecycle]:
    await migrate_incident(database)
    service = LinkedLifecycle(infra, database, topic_prefix, config_with())
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def test_a_link_confirms_then_acts_once_as_its_user(service: LinkedLifecycle) -> None:
    incident = await service.alert("db-down")
    path = link(incident)

    page = await service.call("GET", path)
    assert page.status_code == 200, page.text
    assert "text/html" in page.headers["content-type"]
    assert "<form method='post'>" in page.text and "Acknowledge as ann" in page.text
    assert (await service.call("GET", path)).status_code == 200  # a prefetch changes nothing
    assert (await service.incident(incident))["status"] == "triggered"

    service.clock.advance(timedelta(minutes=3))
    done = await service.call("POST", path)
    assert done.status_code == 200, done.text
    assert "Incident acknowledged by ann" in done.text
    assert (await service.incident(incident))["status"] == "acknowledged"
    kind, actor, _ = (await service.timeline(incident))[-1]
    assert (kind, actor) == ("acknowledged", "user")
    (row,) = await service.fetch(
        "SELECT actor_id FROM incident.timeline WHERE incident_id = $1 AND kind = 'acknowledged'",
        incident,
    )
    assert row["actor_id"] == "ann"

    for method in ("POST", "GET"):
        again = await service.call(method, path)
        assert again.status_code == 410
        assert "This link was already used on 2026-01-05 09:03:00 UTC" in again.text


async def test_expired_forged_unknown_and_pointless_links_say_so(
    service: LinkedLifecycle,
) -> None:
    incident = await service.alert("api-5xx")
    expired = link(incident, expires_at=T0 - timedelta(seconds=1))
    tampered = link(incident)[:-3] + ("AAA" if not link(incident).endswith("AAA") else "BBB")
    other_secret = "/v1/links/" + sign_action(
        "not-the-secret",
        incident_id=incident,
        action=LinkAction.ACKNOWLEDGE,
        expires_at=T0 + timedelta(hours=1),
    )
    for method in ("GET", "POST"):
        answer = await service.call(method, expired)
        assert (answer.status_code, "This link has expired" in answer.text) == (410, True)
        for bad in (tampered, other_secret, "/v1/links/garbage", "/v1/links/v1.%25%25.x"):
            answer = await service.call(method, bad)
            assert (answer.status_code, "This link is not valid" in answer.text) == (403, True)
        unknown = await service.call(method, link(uuid4()))
        assert unknown.status_code == 404 and "does not exist" in unknown.text
    assert (await service.incident(incident))["status"] == "triggered"

    resolved = await service.call("POST", f"/v1/incidents/{incident}/resolve", auth=True)
    assert resolved.status_code == 200
    for method in ("GET", "POST"):
        illegal = await service.call(method, link(incident))
        assert illegal.status_code == 409
        assert "cannot be acknowledged now: it is resolved" in illegal.text
    fresh = link(incident, action=LinkAction.RESOLVE)
    assert (await service.call("POST", fresh)).status_code == 409
    assert (await service.fetch("SELECT * FROM incident.used_action_links")) == []


def notification_record(event: NotificationEventData, *, event_id: str | None = None) -> tuple:  # type: ignore[type-arg]
    record = to_kafka(envelope_for(event, source="/tocsin/notifier", event_id=event_id))
    return (record.key, record.value, record.headers)


async def test_notification_events_land_on_the_incident_timeline(
    service: LinkedLifecycle,
) -> None:
    incident = await service.alert("disk-full")
    common = {
        "notification_id": uuid4(),
        "idempotency_key": "k1",
        "channel": "mail",
        "target": "ann/mail",
        "attempt": 1,
        "occurred_at": T0,
    }
    failed = NotificationFailedV1(
        incident_id=incident, error="connection refused", will_retry=True, **common
    )
    delivered = NotificationDeliveredV1(
        incident_id=incident, status_code=250, **{**common, "attempt": 2}
    )
    stranger = NotificationDeliveredV1(incident_id=uuid4(), status_code=250, **common)
    topic = NOTIFICATION_EVENTS.qualified(service.prefix)
    records = [notification_record(stranger, event_id="s1")]
    records += [notification_record(failed)]
    records += [notification_record(delivered, event_id="d1")] * 2  # a redelivery
    await produce(service.infra.bootstrap_servers, topic, records)

    async def noted() -> list[dict[str, object]] | None:
        answer = await service.call("GET", f"/v1/incidents/{incident}", auth=True)
        assert answer.status_code == 200, answer.text
        entries = [e for e in answer.json()["timeline"] if e["kind"].startswith("notification.")]
        return entries if len(entries) >= 2 else None

    entries = await eventually(noted, timeout_s=60)
    assert [e["kind"] for e in entries] == ["notification.failed", "notification.delivered"]
    assert entries[0]["actor_id"] == "notifier"
    assert entries[0]["detail"] == {
        "notification_id": str(common["notification_id"]),
        "channel": "mail",
        "target": "ann/mail",
        "attempt": 1,
        "error": "connection refused",
        "will_retry": True,
    }
    assert entries[1]["detail"]["status_code"] == 250

    # The unknown incident's event was consumed (its inbox claim committed) and ignored, not
    # dead-lettered.
    async def consumed() -> bool:
        return bool(await service.fetch("SELECT 1 FROM incident.inbox WHERE event_id = 's1'"))

    assert await eventually(consumed, timeout_s=60)
    dlq = dead_letter(NOTIFICATION_EVENTS).qualified(service.prefix)
    assert await read_all(service.infra.bootstrap_servers, dlq, expect=1, timeout_s=5) == []
