"""The demo's voice (one timestamped line per beat) and its calls to the services' REST APIs, in
the shapes real senders use: Alertmanager webhook messages, bearer tokens."""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import httpx

from .demo_setup import DemoPlan
from .errors import CliError

EXIT_UNREACHABLE = 3


class NotFound(CliError):
    pass


class Story:
    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout

    def say(self, beat: str, text: str, *, at: datetime | None = None) -> None:
        stamp = (at or datetime.now(UTC)).astimezone().strftime("%H:%M:%S")
        print(f"{stamp}  {beat:<11} {text}", file=self._out, flush=True)

    def detail(self, text: str) -> None:
        print(f"{'':>10}{'':<11} {text}", file=self._out, flush=True)


class DemoApi:
    def __init__(self, http: httpx.AsyncClient, plan: DemoPlan) -> None:
        self._http, self._plan = http, plan
        self._auth = {"Authorization": f"Bearer {plan.token}"}

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        url = self._plan.urls[service] + path
        headers = kwargs.pop("headers", self._auth)
        try:
            response = await self._http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise CliError(
                f"lost the {service} service at {self._plan.urls[service]} ({type(exc).__name__})"
                "; is Tocsin still running?",
                exit_code=EXIT_UNREACHABLE,
            ) from None
        if response.status_code == 404:
            raise NotFound(f"{method} {path} → 404")
        if not response.is_success:
            raise CliError(f"{method} {path} → {response.status_code}: {response.text[:300]}")
        return response.json()

    async def found(self, service: str, path: str) -> Any | None:
        """A GET that may answer 404 (not there yet): None."""
        try:
            return await self.call(service, "GET", path)
        except NotFound:
            return None

    async def send_alerts(self, alerts: list[dict[str, Any]], *, group: str) -> None:
        """One Alertmanager webhook message (webhook_configs, version 4) for these alerts."""
        message = {
            "version": "4",
            "status": "firing",
            "receiver": "tocsin",
            "groupKey": f'{{}}:{{alertname="{group}"}}',
            "groupLabels": {"alertname": group},
            "commonLabels": {"alertname": group},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.demo:9093",
            "truncatedAlerts": 0,
            "alerts": alerts,
        }
        key = {"Authorization": f"Bearer {self._plan.alertmanager_key}"}
        path = "/v1/integrations/alertmanager"
        try:
            await self.call("incident", "POST", path, json=message, headers=key)
        except CliError as exc:
            if "→ 401" not in str(exc):
                raise
            raise CliError(
                "the running system does not know the demo's Alertmanager key: is it running"
                " with the config the demo reads (--config / TOCSIN_CONFIG)?",
                exit_code=2,
            ) from None

    async def incidents(self, dedup_keys: set[str]) -> list[dict[str, Any]]:
        listed = await self.call(
            "incident", "GET", "/v1/incidents", params={"service": self._plan.service, "limit": 200}
        )
        return [i for i in listed["incidents"] if i["dedup_key"] in dedup_keys]


def firing(
    *, alertname: str, severity: str, summary: str, labels: dict[str, str]
) -> dict[str, Any]:
    """One firing alert as Alertmanager sends it; the fingerprint hashes its label set."""
    all_labels = {"alertname": alertname, "severity": severity, **labels}
    canonical = ",".join(f"{k}={v}" for k, v in sorted(all_labels.items()))
    return {
        "status": "firing",
        "labels": all_labels,
        "annotations": {"summary": summary},
        "startsAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus.demo:9090/graph?g0.expr={alertname}",
        "fingerprint": hashlib.sha256(canonical.encode()).hexdigest()[:16],
    }


def seconds(value: float) -> str:
    return f"{value:g} s"
