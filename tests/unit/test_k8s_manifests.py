"""deploy/k8s, checked offline: every overlay builds, every object validates against the
Kubernetes schemas, and every workload is probed, limited and locked down."""

from __future__ import annotations

import inspect
import re

import kubernetes_validate
import pytest
from tocsin_cli.main import parser
from tocsin_cli.services import NAMES
from tocsin_shared import serve
from tocsin_shared.messaging.broker import make_broker

from .k8s_build import OVERLAYS, Object, build, component, named, needs_kubectl, of_kind, pod_spec

pytestmark = needs_kubectl

KUBERNETES_VERSION = "1.31.0"
# Custom resources: kubernetes-validate has no schema for them, and their CRDs are not vendored
# (each operator's CRD is large and versioned with the operator you install); their shape is
# checked structurally below instead, on the fields their operators act on.
CRD_KINDS = {"KafkaTopic", "ScaledObject", "ServiceMonitor", "Cluster"}


def _validation_errors(objects: tuple[Object, ...]) -> list[str]:
    errors = []
    for obj in objects:
        if obj["kind"] in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    return errors


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_of_every_overlay_validates(overlay: str) -> None:
    objects = build(overlay)
    kinds = {o["kind"] for o in objects}
    assert {"Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Job"} <= kinds
    assert {"NetworkPolicy", "ScaledObject", "KafkaTopic", "ServiceMonitor"} <= kinds
    assert _validation_errors(objects) == []


def test_schema_validation_catches_a_misspelt_field() -> None:
    deployment = dict(of_kind(build("prod"), "Deployment")[0])
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    assert len(_validation_errors((broken,))) == 1


def test_only_the_dev_overlay_has_a_postgres_cluster() -> None:
    assert [c["metadata"]["name"] for c in of_kind(build("dev"), "Cluster")] == ["tocsin-pg"]
    assert of_kind(build("prod"), "Cluster") == []


def _grace_needed() -> float:
    """The broker's graceful timeout (draining consumers) plus uvicorn's (draining requests)."""
    broker = make_broker("127.0.0.1:1", client_id="grace-probe").config.graceful_timeout
    found = re.search(r"timeout_graceful_shutdown=(\d+)", inspect.getsource(serve))
    assert found is not None
    return float(broker) + float(found.group(1))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_runs_probed_limited_and_locked_down(overlay: str) -> None:
    deployments = named(build(overlay), "Deployment")
    assert {component(d) for d in deployments.values()} == set(NAMES)
    for name, deployment in deployments.items():
        pod = pod_spec(deployment)
        assert pod["terminationGracePeriodSeconds"] > _grace_needed(), name
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        tmp = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for container in pod["containers"] + pod["initContainers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            for side in ("requests", "limits"):
                assert set(container["resources"][side]) == {"cpu", "memory"}, name
        (main,) = pod["containers"]
        scratch = {m["name"] for m in main["volumeMounts"] if m["mountPath"] == "/tmp"}  # noqa: S108
        assert scratch and scratch <= tmp, name
        assert main["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
        args = parser().parse_args(main["args"])
        assert (args.command, args.service) == ("serve", component(deployment))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_a_service_and_a_disruption_budget(overlay: str) -> None:
    objects = build(overlay)
    for name, deployment in named(objects, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        port = pod_spec(deployment)["containers"][0]["ports"][0]["containerPort"]
        service = named(objects, "Service")[name]
        assert service["spec"]["selector"] == labels
        assert service["spec"]["ports"][0]["port"] == port
        budget = named(objects, "PodDisruptionBudget")[name]
        assert budget["spec"]["selector"]["matchLabels"] == labels


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_job_migrates_with_the_database_secret(overlay: str) -> None:
    (job,) = of_kind(build(overlay), "Job")
    (container,) = pod_spec(job)["containers"]
    assert parser().parse_args(container["args"]).command == "migrate"
    env = {e["name"]: e for e in container["env"]}
    assert "secretKeyRef" in env["TOCSIN_DATABASE_URL"]["valueFrom"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_prod_spreads_replicas_over_nodes_and_zones() -> None:
    objects = build("prod")
    for name, deployment in named(objects, "Deployment").items():
        pod = pod_spec(deployment)
        assert pod["affinity"]["podAntiAffinity"], name
        zones = [c["topologyKey"] for c in pod["topologySpreadConstraints"]]
        assert zones == ["topology.kubernetes.io/zone"], name
    for scaled in of_kind(objects, "ScaledObject"):
        assert scaled["spec"]["minReplicaCount"] >= 2
    dev_limits = pod_spec(of_kind(build("dev"), "Deployment")[0])["containers"][0]["resources"]
    prod_limits = pod_spec(of_kind(objects, "Deployment")[0])["containers"][0]["resources"]
    assert dev_limits != prod_limits


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_have_the_shape_their_operators_need(overlay: str) -> None:
    objects = build(overlay)
    deployments = named(objects, "Deployment")
    service_labels = [s["metadata"]["labels"] for s in of_kind(objects, "Service")]
    for topic in of_kind(objects, "KafkaTopic"):
        assert topic["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert topic["metadata"]["labels"]["strimzi.io/cluster"]
        assert topic["spec"]["replicas"] >= 1
    for scaled in of_kind(objects, "ScaledObject"):
        assert scaled["apiVersion"] == "keda.sh/v1alpha1"
        assert scaled["spec"]["scaleTargetRef"]["name"] in deployments
        assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
    (monitor,) = of_kind(objects, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    wanted = monitor["spec"]["selector"]["matchLabels"]
    scraped = [lb for lb in service_labels if wanted.items() <= lb.items()]
    assert len(scraped) == len(deployments)
    assert monitor["spec"]["endpoints"] == [
        {
            "port": "http",
            "path": "/metrics",
            "interval": "30s",
            "scrapeTimeout": "10s",
            "honorLabels": True,
        }
    ]
    secrets = {s["metadata"]["name"] for s in of_kind(objects, "Secret")}
    for cluster in of_kind(objects, "Cluster"):
        assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
        assert cluster["spec"]["bootstrap"]["initdb"]["secret"]["name"] in secrets
