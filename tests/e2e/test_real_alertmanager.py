"""A real Prometheus Alertmanager, with webhook, pagerduty (url:) and opsgenie (api_url:) receivers
pointed at a running Tocsin, fed the alert Prometheus sends it: firing and resolving reach Tocsin
through all three."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tocsin_cli.embedded import free_port

from ..conftest import PAYLOADS
from ..infra import eventually
from ..samples import OPSGENIE_KEY, PAGERDUTY_KEY, VIEWER_TOKEN, WEBHOOK_KEY, compat_config_yaml
from .system import running_system

VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
BINARIES = ("prometheus-alertmanager", "alertmanager")


def _binary() -> str | None:
    return next((found for name in BINARIES if (found := shutil.which(name))), None)


def alertmanager_binary() -> str:
    """The Alertmanager binary, installing the Debian package when it is absent (as root)."""
    if found := _binary():
        return found
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("prometheus-alertmanager is absent and apt-get as root is not available")
    install = "apt-get update && apt-get install -y prometheus-alertmanager"
    done = subprocess.run(["sh", "-c", install], capture_output=True, timeout=600, check=False)
    found = _binary()
    if found is None:
        tail = done.stderr.decode(errors="replace")[-500:]
        pytest.skip(f"prometheus-alertmanager could not be installed: {tail}")
    return found


def alertmanager_config(tocsin: str) -> str:
    receivers = {
        "webhook_configs": [
            {
                "url": f"{tocsin}/v1/integrations/alertmanager",
                "send_resolved": True,
                "http_config": {"authorization": {"credentials": WEBHOOK_KEY}},
            }
        ],
        "pagerduty_configs": [
            {"routing_key": PAGERDUTY_KEY, "url": f"{tocsin}/v2/enqueue", "send_resolved": True}
        ],
        "opsgenie_configs": [
            {"api_key": OPSGENIE_KEY, "api_url": f"{tocsin}/", "send_resolved": True}
        ],
    }
    config = {
        "route": {
            "receiver": "tocsin",
            "group_by": ["alertname", "service"],
            "group_wait": "1s",
            "group_interval": "2s",
            "repeat_interval": "1h",
        },
        "receivers": [{"name": "tocsin", **receivers}],
    }
    return json.dumps(config)  # JSON is YAML


@contextlib.contextmanager
def running_alertmanager(tmp: Path, *, tocsin: str) -> Iterator[str]:
    binary = alertmanager_binary()
    config = tmp / "alertmanager.yml"
    config.write_text(alertmanager_config(tocsin))
    port = free_port()
    log = (tmp / "alertmanager.log").open("wb")
    args = [binary, f"--config.file={config}", f"--storage.path={tmp / 'am-data'}"]
    args += [f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="]
    process = subprocess.Popen(
        args,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def prometheus_alerts(*, ends_at: datetime) -> list[dict[str, Any]]:
    """What Prometheus posted to Alertmanager (captured), re-timed to now."""
    captured = json.loads((PAYLOADS / "prometheus-to-alertmanager-api-v2.json").read_text())
    alerts: list[dict[str, Any]] = captured["body_excerpt"]
    starts_at = datetime.now(UTC) - timedelta(minutes=1)
    for alert in alerts:
        alert["startsAt"] = starts_at.isoformat()
        alert["endsAt"] = ends_at.isoformat()
    return alerts


@contextlib.asynccontextmanager
async def both(tmp: Path) -> AsyncIterator[tuple[str, str]]:
    async with running_system(tmp, config_text=compat_config_yaml()) as system:
        tocsin = system.url("incident")
        with running_alertmanager(tmp, tocsin=tocsin) as alertmanager:
            yield tocsin, alertmanager


async def test_firing_and_resolving_reach_tocsin_through_all_three_receivers(
    tmp_path: Path,
) -> None:
    alertmanager_binary()  # skip early, before starting Tocsin, if it cannot be had
    async with both(tmp_path) as (tocsin, alertmanager), httpx.AsyncClient(timeout=10) as http:

        async def ready() -> bool:
            with contextlib.suppress(httpx.HTTPError):
                return (await http.get(f"{alertmanager}/-/ready")).status_code == 200
            return False

        await eventually(ready, timeout_s=20)

        async def post_alerts(ends_at: datetime) -> None:
            response = await http.post(
                f"{alertmanager}/api/v2/alerts", json=prometheus_alerts(ends_at=ends_at)
            )
            assert response.status_code == 200, response.text

        async def by_service() -> dict[str, list[str]]:
            response = await http.get(f"{tocsin}/v1/incidents", headers=VIEWER)
            assert response.status_code == 200, response.text
            seen: dict[str, list[str]] = {}
            for incident in response.json()["incidents"]:
                seen.setdefault(incident["service"], []).append(incident["status"])
            return seen

        def all_three(status: str) -> Any:
            async def check() -> bool:
                return await by_service() == {
                    "via-webhook": [status],
                    "via-pagerduty": [status],
                    "via-opsgenie": [status],
                }

            return check

        await post_alerts(datetime.now(UTC) + timedelta(minutes=5))
        try:
            await eventually(all_three("triggered"), timeout_s=30)
            await post_alerts(datetime.now(UTC) - timedelta(seconds=1))
            await eventually(all_three("resolved"), timeout_s=30)
        except AssertionError as failed:
            log = (tmp_path / "alertmanager.log").read_text(errors="replace")[-3000:]
            raise AssertionError(f"{failed}\nincidents: {await by_service()}\n{log}") from None
