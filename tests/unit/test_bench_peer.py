"""The peer benchmark's pure helpers: percentile, ratio, the payloads and configs both sides get,
and which keys a webhook carries."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
import yaml

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


peer = _load("peer_common")


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([5.0], 0.5, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.0),
        ([float(n) for n in range(1, 101)], 0.99, 99.0),
        ([float(n) for n in range(100, 0, -1)], 0.5, 50.0),
        ([3.0, 1.0, 2.0], 1.0, 3.0),
        ([3.0, 1.0, 2.0], 0.0, 1.0),
    ],
)
def test_percentile_is_nearest_rank(values: list[float], p: float, expected: float) -> None:
    assert peer.percentile(values, p) == expected


def test_percentile_of_nothing_is_none() -> None:
    assert peer.percentile([], 0.5) is None


def test_ratio_is_tocsin_over_alertmanager_and_none_without_a_figure() -> None:
    assert peer.ratio(250.0, 1000.0) == 0.25
    assert peer.ratio(3.0, 0.0) is None
    assert peer.ratio(None, 10.0) is None
    assert peer.ratio(10.0, None) is None


def test_am_body_is_what_prometheus_posts_each_key_its_own_group() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    body = json.loads(peer.am_body(["amburst5-1", "amburst5-2"], page=True, now=now))
    assert [a["labels"]["instance"] for a in body] == ["amburst5-1", "amburst5-2"]
    first = body[0]
    assert first["labels"]["alertname"] == peer.ALERTNAME
    assert first["labels"]["phase"] == "amburst5"
    assert first["labels"]["page"] == "yes"
    assert datetime.fromisoformat(first["startsAt"]) < now < datetime.fromisoformat(first["endsAt"])
    assert datetime.fromisoformat(first["endsAt"]) - now == timedelta(minutes=4)
    assert first["generatorURL"].startswith("http")
    quiet = json.loads(peer.am_body(["x-1"], page=False, now=now))
    assert quiet[0]["labels"]["page"] == "no"


def test_am_config_groups_by_instance_and_pages_only_paging_alerts() -> None:
    config = yaml.safe_load(peer.am_config("http://127.0.0.1:1/hook"))
    route = config["route"]
    assert route["group_by"] == ["alertname", "instance"]
    assert route["receiver"] == "blackhole"
    assert route["routes"] == [{"receiver": "bench", "matchers": ['page="yes"']}]
    bench = next(r for r in config["receivers"] if r["name"] == "bench")
    assert bench["webhook_configs"][0]["url"] == "http://127.0.0.1:1/hook"


def test_tocsin_config_is_valid_and_pages_a_plain_channel() -> None:
    from tocsin_shared.config.loader import parse_config

    config = parse_config(peer.tocsin_config("http://127.0.0.1:1/hook"))
    by_name = {s.name: s for s in config.services}
    assert by_name["peer-page"].escalation_policy == "peer"
    assert by_name["peer-quiet"].escalation_policy is None


def test_tocsin_body_is_a_native_batch() -> None:
    body = json.loads(peer.tocsin_body(["tsstorm-1", "tsstorm-2"]))
    assert [a["dedup_key"] for a in body["alerts"]] == ["tsstorm-1", "tsstorm-2"]
    assert body["alerts"][0]["severity"] == "critical"


def test_ingest_keys_cycle_through_the_pool() -> None:
    keys = [peer.ingest_keys("ing", request=r, batch=3, distinct=4) for r in range(3)]
    assert keys == [
        ["ing-0", "ing-1", "ing-2"],
        ["ing-3", "ing-0", "ing-1"],
        ["ing-2", "ing-3", "ing-0"],
    ]


def test_webhook_keys_of_alertmanager_tocsin_and_a_bundle() -> None:
    am = {"alerts": [{"labels": {"instance": "a-1"}}, {"labels": {"instance": "a-2"}}]}
    assert peer.webhook_keys(am) == ["a-1", "a-2"]
    assert peer.webhook_keys({"incident": {"dedup_key": "t-1"}}) == ["t-1"]
    bundle = {"incident": {}, "incidents": [{"dedup_key": "t-2"}, {"dedup_key": "t-3"}]}
    assert peer.webhook_keys(bundle) == ["t-2", "t-3"]
    assert peer.key_tag("tsburst20000-17") == "tsburst20000"
