"""deploy/k8s agrees with the code: the Strimzi topics are the topic registry, KEDA scales the
consumer groups the services really join (never past a topic's partitions), secrets are only
referenced, and the ConfigMap's Tocsin YAML renders into a config Tocsin accepts."""

from __future__ import annotations

import base64
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import yaml
from tocsin_cli.services import SERVICES, ServiceSpec
from tocsin_shared.config import load_config
from tocsin_shared.contracts.topics import ALL_TOPICS, PRIMARY_TOPICS, dead_letter
from tocsin_shared.settings import ServiceSettings

from ..samples import sample_config
from .k8s_build import (
    K8S,
    OVERLAYS,
    Object,
    build,
    component,
    named,
    needs_kubectl,
    of_kind,
    pod_spec,
)

pytestmark = needs_kubectl

PARTITIONS = {t.name: t.partitions for t in ALL_TOPICS}
RENDER = K8S / "base" / "render-config.py"
TEMPLATE = K8S / "base" / "tocsin.yaml"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_topics_are_the_topic_registry(overlay: str) -> None:
    topics = {
        t["spec"]["topicName"]: t["spec"]["partitions"]
        for t in of_kind(build(overlay), "KafkaTopic")
    }
    registry = [*PRIMARY_TOPICS, *(dead_letter(t) for t in PRIMARY_TOPICS)]
    assert topics == {t.name: t.partitions for t in registry}


@cache
def subscriptions(spec: ServiceSpec) -> frozenset[tuple[str, str]]:
    """(topic, consumer group) of every consumer the service registers, built offline."""
    bootstrap = importlib.import_module(f"{spec.module}.bootstrap")
    module = importlib.import_module(f"{spec.module}.settings")
    (settings_type,) = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v is not ServiceSettings
    ]
    runtime = bootstrap.build_runtime(settings_type(topic_prefix=""), config=sample_config())
    return frozenset(
        (topic, sub.group_id) for sub in runtime.broker.subscribers for topic in sub.topic_names
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_scales_real_consumer_groups_within_their_partitions(overlay: str) -> None:
    scaled = {component(s): s for s in of_kind(build(overlay), "ScaledObject")}
    (shared_env,) = [c for c in of_kind(build(overlay), "ConfigMap") if "TOCSIN_HOST" in c["data"]]
    bootstrap = shared_env["data"]["TOCSIN_KAFKA_BOOTSTRAP_SERVERS"]
    for spec in SERVICES:
        joined = subscriptions(spec)
        if not joined:
            continue
        triggers = [
            t["metadata"] for t in scaled[spec.name]["spec"]["triggers"] if t["type"] == "kafka"
        ]
        pairs = {(t["topic"], t["consumerGroup"]) for t in triggers}
        assert {t["bootstrapServers"] for t in triggers} == {bootstrap}, spec.name
        assert pairs, spec.name
        assert pairs <= joined, f"{spec.name}: {pairs - joined} is not a consumer it runs"
        most = min(PARTITIONS[topic] for topic, _ in pairs)
        assert scaled[spec.name]["spec"]["maxReplicaCount"] <= most, spec.name


def _secret_refs(container: Object) -> set[tuple[str, str]]:
    refs = set()
    for env in container.get("env", []):
        ref = env.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            refs.add((env["name"], ref["name"]))
    return refs


def test_prod_commits_no_secret_and_references_each_by_key() -> None:
    objects = build("prod")
    assert of_kind(objects, "Secret") == []
    deployments = named(objects, "Deployment")
    for name, deployment in deployments.items():
        (main,) = pod_spec(deployment)["containers"]
        assert ("TOCSIN_DATABASE_URL", "tocsin-database") in _secret_refs(main), name
        assert all(e.get("value") is None for e in main["env"] if "SECRET" in e["name"]), name
    for name in ("tocsin-incident", "tocsin-notifier"):
        (main,) = pod_spec(deployments[name])["containers"]
        assert ("TOCSIN_ACTION_LINK_SECRET", "tocsin-link-secret") in _secret_refs(main)
    (config_map,) = [c for c in of_kind(objects, "ConfigMap") if "tocsin.yaml" in c["data"]]
    secret_values = list(_secret_fields(yaml.safe_load(config_map["data"]["tocsin.yaml"])))
    assert secret_values
    assert all(re.fullmatch(r"\$\{TOCSIN_SECRET_[A-Z0-9_]+\}", v) for v in secret_values)


def _secret_fields(node: object) -> Iterator[str]:
    """Every value under a key that holds a secret in clear, anywhere in the Tocsin YAML."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"key", "token", "secret", "password"}:
                yield str(value)
            else:
                yield from _secret_fields(value)
    elif isinstance(node, list):
        for item in node:
            yield from _secret_fields(item)


def test_dev_secrets_are_generated_and_clearly_fake() -> None:
    objects = build("dev")
    secrets = named(objects, "Secret")
    referenced = {
        ref
        for d in of_kind(objects, "Deployment")
        for c in pod_spec(d)["containers"] + pod_spec(d)["initContainers"]
        for _, ref in _secret_refs(c)
    }
    assert referenced <= set(secrets)
    for name, secret in secrets.items():
        for key, value in secret["data"].items():
            if key != "username":
                assert "dev" in base64.b64decode(value).decode(), f"{name}.{key} does not look fake"


def _render(env: dict[str, str], target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RENDER), str(TEMPLATE), str(target)],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_config_template_renders_from_the_secret_refs_into_a_valid_config(tmp_path: Path) -> None:
    (deployment,) = [d for d in of_kind(build("prod"), "Deployment") if component(d) == "notifier"]
    (init,) = pod_spec(deployment)["initContainers"]
    secrets = {name: f"s3cret:'\"{name}" for name, _ in _secret_refs(init)}
    done = _render(secrets, tmp_path / "tocsin.yaml")
    assert done.returncode == 0, done.stderr
    config = load_config(tmp_path / "tocsin.yaml")
    hooks = [c for c in config.channels if c.name == "ops-webhook"]
    assert hooks[0].secret.get_secret_value() == "s3cret:'\"TOCSIN_SECRET_OPS_WEBHOOK_SECRET"
    assert oct((tmp_path / "tocsin.yaml").stat().st_mode & 0o777) == "0o600"

    missing = dict(list(secrets.items())[1:])
    refused = _render(missing, tmp_path / "again.yaml")
    assert refused.returncode != 0
    assert next(iter(secrets)) in refused.stderr
    assert not (tmp_path / "again.yaml").exists()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_open_what_each_service_needs(overlay: str) -> None:
    policies = named(build(overlay), "NetworkPolicy")
    tocsin = {"app.kubernetes.io/name": "tocsin"}
    deny = policies["tocsin-default-deny"]["spec"]
    assert deny["podSelector"]["matchLabels"] == tocsin
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny

    def ports(policy: str, direction: str) -> set[int]:
        rules = policies[policy]["spec"][direction]
        return {p["port"] for rule in rules for p in rule["ports"]}

    assert {53} == ports("tocsin-egress-dns", "egress")
    assert {5432, 9092} <= ports("tocsin-egress-postgres-kafka-otlp", "egress")
    assert ports("tocsin-ingress-incident", "ingress") == {8080}
    assert "from" not in policies["tocsin-ingress-incident"]["spec"]["ingress"][0]
    assert {443, 587} <= ports("tocsin-notifier-egress-channels", "egress")
    channel_pods = policies["tocsin-notifier-egress-channels"]["spec"]["podSelector"]
    assert channel_pods["matchLabels"]["app.kubernetes.io/component"] == "notifier"
