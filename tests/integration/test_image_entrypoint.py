"""The image's own command lines, run locally: `tocsin migrate` (the Kubernetes migrations Job)
then `tocsin serve incident` (the incident target's ENTRYPOINT + CMD), each with nothing but
environment variables and a mounted YAML, from a working directory holding nothing of the repo.
The service turns ready on real Postgres and Kafka and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from tocsin_cli.embedded import free_port

from ..conftest import REPO
from ..infra import Infra, eventually
from ..samples import config_yaml

pytestmark = pytest.mark.timeout(180)


def image_command(target: str) -> tuple[list[str], dict[str, str]]:
    """ENTRYPOINT + CMD and the ENV of a Dockerfile target (its own lines over its base's)."""
    entrypoint: list[str] = []
    cmd: list[str] = []
    env: dict[str, str] = {}
    stage = ""
    for line in (REPO / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        if line.startswith("FROM "):
            stage = line.split(" AS ")[-1].strip()
        if stage not in {"runtime", target}:
            continue
        if line.startswith("ENTRYPOINT "):
            entrypoint = json.loads(line.removeprefix("ENTRYPOINT "))
        elif line.startswith("CMD "):
            cmd = json.loads(line.removeprefix("CMD "))
        elif line.startswith("ENV "):
            env.update(dict(pair.split("=", 1) for pair in line.removeprefix("ENV ").split()))
    return entrypoint + cmd, env


def environment(image_env: dict[str, str], **settings: str) -> dict[str, str]:
    # The venv's bin plays the image's /opt/tocsin/bin; nothing else of this shell is passed on.
    venv_bin = str(Path(sys.executable).parent)
    path = image_env.pop("PATH").replace("/opt/tocsin/bin", venv_bin).replace("$PATH", "/usr/bin")
    return {**image_env, "PATH": path, **settings}


async def test_incident_image_command_serves_from_env_and_yaml_then_stops_on_sigterm(
    infra: Infra, database: str, topic_prefix: str, tmp_path: Path
) -> None:
    argv, image_env = image_command("incident")
    assert argv == ["tocsin", "serve", "incident"]
    mounted = tmp_path / "etc" / "tocsin.yaml"
    mounted.parent.mkdir()
    mounted.write_text(config_yaml())
    workdir = tmp_path / "work"
    workdir.mkdir()
    port = free_port()
    env = environment(
        image_env,
        TOCSIN_DATABASE_URL=database,
        TOCSIN_KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap_servers,
        TOCSIN_TOPIC_PREFIX=topic_prefix,
        TOCSIN_CONFIG=str(mounted),
        TOCSIN_PORT=str(port),
        TOCSIN_HOST="127.0.0.1",  # the image binds 0.0.0.0; a test machine needs no more
    )

    job = yaml.safe_load((REPO / "deploy" / "k8s" / "base" / "migrations-job.yaml").read_text())
    (container,) = job["spec"]["template"]["spec"]["containers"]
    migrate = await asyncio.create_subprocess_exec(
        *argv[:1], *container["args"], env=env, cwd=workdir, stderr=asyncio.subprocess.PIPE
    )
    _, migrate_errors = await asyncio.wait_for(migrate.communicate(), 120)
    assert migrate.returncode == 0, migrate_errors.decode()

    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def ready() -> bool:
                if process.returncode is not None:
                    raise AssertionError(f"exited {process.returncode}")
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout_s=90, interval_s=0.25)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    logs = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    events = [entry["event"] for entry in logs]
    # uvicorn re-raises SIGTERM once shut down (exit 143 in a container), as a clean stop should.
    assert process.returncode in {0, -signal.SIGTERM}, stderr.decode()
    assert "service ready" in events
    assert "Application shutdown complete." in events
    assert [e for e in logs if e["level"] in {"error", "critical"}] == []
    assert not os.listdir(workdir), "a service wrote into its working directory"
