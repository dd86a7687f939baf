"""docker-compose.yml and the Dockerfile, checked offline (no Docker engine here): the Compose
specification's schema, pinned images, health-gated start order, traces and metrics wired, and
every service, port, env var and health check docs/deploy.md promises."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import yaml
from tocsin_cli.main import parser
from tocsin_cli.services import SERVICES

from ..conftest import REPO

TOCSIN_SERVICES = {s.name for s in SERVICES}
SCHEMA = REPO / "tests" / "fixtures" / "compose-spec" / "compose_spec.json"
DOCS_TABLE = "<!-- compose-services: checked by tests/unit/test_compose.py -->"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


def deploy_yaml(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "deploy" / name).read_text())
    return loaded


def test_compose_file_follows_the_compose_specification() -> None:
    validator = jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(compose())] == []
    broken = compose()
    broken["services"]["incident"] = {**broken["services"]["incident"], "helthcheck": {}}
    assert list(validator.iter_errors(broken)), "the schema must catch a misspelt key"


def test_every_part_of_the_system_is_there() -> None:
    services = compose()["services"]
    infrastructure = {"postgres", "kafka", "setup", "otel-collector", "jaeger", "prometheus"}
    assert infrastructure | TOCSIN_SERVICES <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["otel-collector"]["image"].startswith("otel/opentelemetry-collector-contrib:")
    assert services["jaeger"]["image"].startswith("jaegertracing/all-in-one:")


def test_every_image_is_pinned() -> None:
    for name, service in compose()["services"].items():
        image = service["image"]
        _, _, tag = image.rpartition(":")
        assert ":" in image and tag != "latest" and re.search(r"\d", tag), f"{name}: {image}"


def test_every_tocsin_command_is_one_the_cli_accepts() -> None:
    services = compose()["services"]
    for name in TOCSIN_SERVICES | {"setup"}:
        args = parser().parse_args(services[name]["command"])
        assert args.command in {"serve", "setup"}, name
        if args.command == "serve":
            assert args.service == name


def test_services_wait_for_setup_and_healthy_infrastructure_and_report_health() -> None:
    services = compose()["services"]
    assert services["setup"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "kafka": {"condition": "service_healthy"},
    }
    for name in TOCSIN_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["setup"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["kafka"]["condition"] == "service_healthy"
        port = services[name]["environment"]["TOCSIN_PORT"]
        assert services[name]["ports"] == [f"{port}:{port}"]
        assert f"127.0.0.1:{port}/readyz" in " ".join(services[name]["healthcheck"]["test"])
        env = services[name]["environment"]
        assert {"TOCSIN_DATABASE_URL", "TOCSIN_KAFKA_BOOTSTRAP_SERVERS", "TOCSIN_CONFIG"} <= set(
            env
        )


def test_traces_go_through_the_collector_to_jaeger() -> None:
    services = compose()["services"]
    for name in TOCSIN_SERVICES:
        env = services[name]["environment"]
        assert env["OTEL_TRACES_EXPORTER"] == "otlp"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    collector = deploy_yaml("otel-collector.yaml")
    assert collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    pipeline = collector["service"]["pipelines"]["traces"]
    jaeger = [e for e in pipeline["exporters"] if e.startswith("otlp")]
    assert [collector["exporters"][e]["endpoint"] for e in jaeger] == ["jaeger:4317"]
    mounted = " ".join(services["otel-collector"]["volumes"])
    assert "./deploy/otel-collector.yaml:" in mounted


def test_prometheus_scrapes_every_service() -> None:
    services = compose()["services"]
    config = deploy_yaml("prometheus.yml")
    targets = {
        target
        for job in config["scrape_configs"]
        if job.get("metrics_path", "/metrics") == "/metrics"
        for group in job["static_configs"]
        for target in group["targets"]
    }
    for name in TOCSIN_SERVICES:
        assert f"{name}:{services[name]['environment']['TOCSIN_PORT']}" in targets


def _documented_rows() -> list[list[str]]:
    text = (REPO / "docs" / "deploy.md").read_text()
    assert DOCS_TABLE in text
    table = text.split(DOCS_TABLE, 1)[1].strip().split("\n\n", 1)[0]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()]
    return rows[2:]


def test_every_service_port_env_var_and_health_check_the_docs_name_is_there() -> None:
    services = compose()["services"]
    rows = _documented_rows()
    assert {re.findall(r"`([^`]+)`", row[0])[0] for row in rows} == set(services)
    for name_cell, image, ports, health, environment in rows:
        name = re.findall(r"`([^`]+)`", name_cell)[0]
        service = services[name]
        for pinned in re.findall(r"`([^`]+:[^`]+)`", image):
            assert service["image"] == pinned, name
        published = {p.split(":")[0] for p in service.get("ports", [])}
        assert set(re.findall(r"\d+", ports)) == published, name
        checks = re.findall(r"`([^`]+)`", health)
        if checks:
            assert all(c in " ".join(service["healthcheck"]["test"]) for c in checks), name
        else:
            assert "healthcheck" not in service, name
        env = set(service.get("environment", {}))
        assert set(re.findall(r"`([A-Z][A-Z0-9_]+)`", environment)) <= env, name


def _dockerfile_stages() -> dict[str, list[str]]:
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (REPO / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        if line.startswith("FROM "):
            current = stages.setdefault(line.split(" AS ")[-1].strip(), [])
        current.append(line)
    return stages


def test_the_image_runs_tocsin_as_a_non_root_user_with_a_health_check() -> None:
    stages = _dockerfile_stages()
    runtime = "\n".join(stages["runtime"])
    assert 'ENTRYPOINT ["tocsin"]' in runtime
    assert re.search(r"^USER 10001", runtime, re.MULTILINE)
    assert "HEALTHCHECK" in runtime and "/readyz" in runtime
    assert "COPY --from=build /opt/tocsin /opt/tocsin" in runtime
    assert "pip install" not in runtime
    for name in TOCSIN_SERVICES:
        stage = stages[name]
        assert stage[0] == f"FROM runtime AS {name}"
        (cmd,) = [line for line in stage if line.startswith("CMD ")]
        args = parser().parse_args(json.loads(cmd.removeprefix("CMD ")))
        assert (args.command, args.service) == ("serve", name)
    for name in TOCSIN_SERVICES | {"setup"}:
        assert compose()["services"][name]["build"]["target"] in stages


def test_the_build_context_holds_exactly_what_the_dockerfile_copies() -> None:
    ignore = (REPO / ".dockerignore").read_text().splitlines()
    assert ignore[1] == "**", "everything is left out unless named"
    allowed = {line.removeprefix("!") for line in ignore if line.startswith("!")}
    copied = set()
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied |= {src.rstrip("/") for src in line.split()[1:-1]}
    assert copied == allowed
    assert all((REPO / path).exists() for path in copied)
