"""The captured Alertmanager requests under ../shared/payloads/, readied for replay at Tocsin.

The capture server listened on `/webhook`, `/pagerduty/...` and `/opsgenie/...`; replay maps
those to Tocsin's endpoints and otherwise sends exactly what Alertmanager sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import PAYLOADS

_ROUTES = (
    ("/webhook", "/v1/integrations/alertmanager"),
    ("/pagerduty", ""),
    ("/opsgenie", ""),
)
# Recomputed by the client that replays.
_DROPPED = {"host", "content-length"}


@dataclass(frozen=True)
class Captured:
    name: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def json(self) -> Any:
        return json.loads(self.body)


def _tocsin_path(path: str) -> str:
    for prefix, replacement in _ROUTES:
        if path == prefix or path.startswith(prefix + "/"):
            return replacement + path.removeprefix(prefix)
    raise ValueError(f"no Tocsin endpoint for captured path {path!r}")


def _captured(name: str, raw: dict[str, Any]) -> Captured:
    body = raw["body"]
    return Captured(
        name=name,
        method=raw["method"],
        path=_tocsin_path(raw["path"]),
        query=raw.get("query", ""),
        headers={k: v for k, v in raw["headers"].items() if k.lower() not in _DROPPED},
        body=body.encode() if isinstance(body, str) else json.dumps(body).encode(),
    )


def captured(name: str) -> Captured:
    return _captured(name, json.loads((PAYLOADS / name).read_text()))


def sequence(name: str = "mixed-group-sequence.jsonl") -> list[Captured]:
    lines = (PAYLOADS / name).read_text().splitlines()
    return [_captured(f"{name}:{i}", json.loads(line)) for i, line in enumerate(lines) if line]


def receiver_files() -> list[str]:
    """Every captured request that a receiver (Tocsin) gets; the Prometheus one goes elsewhere."""
    return sorted(
        p.name
        for p in Path(PAYLOADS).glob("*.json")
        if "path" in json.loads(p.read_text()) and not p.name.startswith("prometheus-")
    )
