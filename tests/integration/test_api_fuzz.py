"""Schemathesis against the incident service's own /openapi.json: zero 5xx, bounded.

The real app (uvicorn, body limit, runtime) runs on a free port wired to real Postgres and Tansu.
Each operation gets valid credentials for its kind (API token, integration key, GenieKey) and
known incident ids mixed into its path, so generated requests reach the handlers, not only auth.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import response_schema_conformance

# Not re-exported at the top level: the coverage phase's driver (schemathesis 4.x, pinned <5).
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from tocsin_incident.bootstrap import build_app
from tocsin_shared.config import parse_config

from ..infra import Infra
from ..samples import INTEGRATION_KEY, OPSGENIE_KEY, PAGERDUTY_KEY, WEBHOOK_KEY
from .incident_runtime import incident_settings, migrate_incident
from .served_app import serving

# Schemathesis's own strategies use `random` internally; Hypothesis warns about it on every run.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
ADMIN_TOKEN = "fuzz-admin-token"
HEARTBEAT = "fuzz-beat"
FUZZ_CONFIG = f"""
version: 1
services:
  - name: checkout
integrations:
  - {{name: native, service: checkout, key: {INTEGRATION_KEY}}}
  - {{name: am, kind: alertmanager, service: checkout, key: {WEBHOOK_KEY}}}
  - {{name: pd, kind: pagerduty, service: checkout, key: "{PAGERDUTY_KEY}"}}
  - {{name: og, kind: opsgenie, service: checkout, key: {OPSGENIE_KEY}}}
api_tokens:
  - {{name: ada, role: admin, token: {ADMIN_TOKEN}}}
heartbeats:
  - {{name: {HEARTBEAT}, service: checkout, interval_minutes: 60, integration: native}}
"""
EXAMPLES_PER_MODE = 12  # random fuzzing, positive and negative: 24 requests per operation
COVERAGE_CASES_PER_OPERATION = 80  # deterministic boundary cases first


@dataclass
class Served:
    base_url: str
    incident_ids: list[str]
    spec: dict[str, Any]


@dataclass
class Findings:
    server_errors: list[str] = field(default_factory=list)
    nonconforming: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


@pytest.fixture
def served(infra: Infra, database: str, topic_prefix: str) -> Iterator[Served]:
    asyncio.run(migrate_incident(database))
    app = build_app(
        incident_settings(dsn=database, bootstrap=infra.bootstrap_servers, prefix=topic_prefix),
        config=parse_config(FUZZ_CONFIG, source="fuzz"),
    )
    with serving(app) as base_url, httpx.Client(base_url=base_url, timeout=10) as client:
        ids = _seed_incidents(client)
        spec = client.get("/openapi.json").json()
        yield Served(base_url=base_url, incident_ids=ids, spec=spec)


def _seed_incidents(client: httpx.Client, timeout_s: float = 60.0) -> list[str]:
    alerts = [{"dedup_key": f"fuzz-{n}", "summary": f"seed {n}"} for n in range(3)]
    sent = client.post(
        "/v1/alerts",
        json={"alerts": alerts},
        headers={"Authorization": f"Bearer {INTEGRATION_KEY}"},
    )
    assert sent.status_code == 202, sent.text
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        listed = client.get("/v1/incidents", headers=auth).json()["incidents"]
        if len(listed) >= len(alerts):
            return [i["id"] for i in listed]
        time.sleep(0.2)
    raise AssertionError("the seeded alerts never became incidents")


def hoisted_defs(spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The spec with pydantic `$defs` embedded in operations moved to components/schemas.

    `#/$defs/X` inside an operation resolves against the document root, where nothing is: a
    generator then sends no body at all. Returns the fixed spec and where it found such defs.
    """
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    found: list[str] = []

    def walk(node: Any, where: str) -> Any:
        if isinstance(node, dict):
            for name, definition in node.pop("$defs", {}).items():
                schemas.setdefault(name, walk(definition, where))
                found.append(where)
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                node["$ref"] = "#/components/schemas/" + ref.removeprefix("#/$defs/")
            return {k: walk(v, where) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, where) for v in node]
        return node

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            operations[method] = walk(operation, f"{method.upper()} {path}")
    return spec, sorted(set(found))


def _headers(path: str) -> dict[str, str]:
    """Valid credentials for the operation's kind: REST token, or its integration's key."""
    rest = ("/v1/incidents", "/v1/silences", "/v1/maintenance-windows")
    if path.startswith(rest) or path == "/v1/heartbeats":
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    if path.startswith("/v2/alerts"):
        return {"Authorization": f"GenieKey {OPSGENIE_KEY}"}
    if path.startswith("/v1/integrations/alertmanager"):
        return {"Authorization": f"Bearer {WEBHOOK_KEY}"}
    return {"Authorization": f"Bearer {INTEGRATION_KEY}"}


def _with_known_values(case: Case, incident_id: str | None, known: bool) -> Case:
    """Mix in values the generator cannot guess: existing ids, integration keys, names."""
    params = dict(case.path_parameters or {})
    if incident_id is not None and "incident_id" in params:
        params["incident_id"] = incident_id
    if known:
        params.update({k: v for k, v in (("key", WEBHOOK_KEY), ("name", HEARTBEAT)) if k in params})
        if isinstance(case.body, dict) and "routing_key" in case.body:
            case.body = {**case.body, "routing_key": PAGERDUTY_KEY}
    case.path_parameters = params
    return case


def _check(case: Case, *, served: Served, findings: Findings, phase: str) -> None:
    """Send one case with valid credentials; record a 5xx, or a 2xx off its documented schema."""
    method, path = case.operation.method.upper(), case.operation.path
    response = case.call(base_url=served.base_url, headers=_headers(path))
    findings.statuses[f"{method} {path} {response.status_code}"] += 1
    if response.status_code >= 500:
        findings.server_errors.append(
            f"{response.status_code} {method} {path} ({phase}):"
            f" {case.as_curl_command()} -> {response.text[:300]}"
        )
    elif 200 <= response.status_code < 300:
        # Only 2xx: error bodies are {"error": ...} while most operations still document
        # FastAPI's default 422 shape, so checking them would only restate that.
        try:
            case.validate_response(response, checks=[response_schema_conformance])
        except Exception as exc:  # schemathesis raises a group of failures
            findings.nonconforming.append(f"{method} {path}: {str(exc)[:500]}")


def _coverage_phase(operation: Any, *, served: Served, findings: Findings) -> None:
    """Schemathesis's deterministic boundary cases (its CLI's coverage phase), valid and not."""
    generator = CoverageGenerator(
        operation=operation,
        generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=operation.schema.config.generation_for(
            operation=operation, phase="coverage"
        ),
        auth_storage=None,
        override=Override(),
        feedback=FeedbackSources(),
        hooks=None,
    )
    ids = [None, *served.incident_ids]
    for n, case in enumerate(itertools.islice(generator, COVERAGE_CASES_PER_OPERATION)):
        known = _with_known_values(case, ids[n % len(ids)], n % 2 == 0)
        _check(known, served=served, findings=findings, phase="coverage")


def _fuzz_phase(
    operation: Any, *, served: Served, mode: GenerationMode, findings: Findings
) -> None:
    strategy = st.tuples(
        operation.as_strategy(generation_mode=mode),
        st.sampled_from([None, *served.incident_ids]),
        st.booleans(),
    )

    @settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(drawn: tuple[Case, str | None, bool]) -> None:
        _check(_with_known_values(*drawn), served=served, findings=findings, phase=mode.value)

    try:
        run()
    except Unsatisfiable:
        # An operation without inputs (e.g. /healthz) has no invalid request to generate.
        if mode is not GenerationMode.NEGATIVE:
            raise


def test_no_operation_answers_5xx(served: Served) -> None:
    spec, misplaced_defs = hoisted_defs(served.spec)
    print("operations with embedded $defs (hoisted for the fuzz):", misplaced_defs)
    schema = schemathesis.openapi.from_dict(spec)
    findings = Findings()
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {"/v1/incidents", "/v1/alerts", "/v1/incidents/{incident_id}"} <= paths
    for operation in operations:
        _coverage_phase(operation, served=served, findings=findings)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_phase(operation, served=served, mode=mode, findings=findings)
    print("\n".join(f"{n:4d}  {k}" for k, n in sorted(findings.statuses.items())))
    assert findings.statuses.total() >= len(operations) * 2
    assert findings.server_errors == [], "\n".join(findings.server_errors)
    assert findings.nonconforming == [], "\n".join(findings.nonconforming)
