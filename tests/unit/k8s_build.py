"""deploy/k8s built once per test session with `kubectl kustomize` (offline)."""

from __future__ import annotations

import functools
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from ..conftest import REPO

K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed: the Kustomize overlays cannot be built"
)

Object = dict[str, Any]


@functools.cache
def build(overlay: str) -> tuple[Object, ...]:
    assert KUBECTL is not None
    done = subprocess.run(
        [KUBECTL, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"kubectl kustomize {overlay} failed:\n{done.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def of_kind(objects: tuple[Object, ...], kind: str) -> list[Object]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: tuple[Object, ...], kind: str) -> dict[str, Object]:
    return {o["metadata"]["name"]: o for o in of_kind(objects, kind)}


def pod_spec(workload: Object) -> Object:
    spec: Object = workload["spec"]["template"]["spec"]
    return spec


def component(workload: Object) -> str:
    value: str = workload["metadata"]["labels"]["app.kubernetes.io/component"]
    return value
