"""deploy/grafana/tocsin-dashboard.json: valid JSON, and every metric it queries is one a service
defines, so a renamed metric breaks this test rather than a panel."""

from __future__ import annotations

import json
import re
from typing import Any

from ..conftest import REPO

DASHBOARD = REPO / "deploy" / "grafana" / "tocsin-dashboard.json"
HISTOGRAM_SERIES = re.compile(r"_(bucket|sum|count)$")


def _defined_metric_names() -> set[str]:
    names = set()
    for root in ("shared", "services"):
        for path in (REPO / root).rglob("*.py"):
            names |= set(re.findall(r"\"(tocsin_[a-z0-9_]+)\"", path.read_text()))
    return names


def _queries(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def test_every_queried_metric_is_defined_by_a_service() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "tocsin-overview"
    queries = _queries(dashboard)
    used = {HISTOGRAM_SERIES.sub("", m) for q in queries for m in re.findall(r"tocsin_\w+", q)}
    assert len(used) >= 15
    assert used - _defined_metric_names() == set()


def test_panels_do_not_overlap_and_use_the_datasource_variable() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    cells: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        rows, columns = range(grid["h"]), range(grid["w"])
        mine = {(grid["y"] + dy, grid["x"] + dx) for dy in rows for dx in columns}
        assert not cells & mine, panel["title"]
        cells |= mine
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
    names = [v["name"] for v in dashboard["templating"]["list"]]
    assert names == ["datasource"]
