"""House rules that code review would otherwise have to catch."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ..conftest import REPO

SERVICES = {
    "tocsin_incident": REPO / "services/incident/tocsin_incident",
    "tocsin_problem": REPO / "services/problem/tocsin_problem",
    "tocsin_notifier": REPO / "services/notifier/tocsin_notifier",
    "tocsin_sla_monitor": REPO / "services/sla-monitor/tocsin_sla_monitor",
}
IO_MODULES = {
    "asyncpg",
    "aiokafka",
    "faststream",
    "httpx",
    "fastapi",
    "uvicorn",
    "os",
    "socket",
    "subprocess",
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_services_never_import_each_other(package: str) -> None:
    others = set(SERVICES) - {package}
    for path in SERVICES[package].rglob("*.py"):
        assert not imports(path) & others, path


def test_shared_imports_no_service() -> None:
    for path in (REPO / "shared/tocsin_shared").rglob("*.py"):
        assert not imports(path) & set(SERVICES), path


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_domain_code_imports_no_io(package: str) -> None:
    domain = SERVICES[package] / "domain"
    for path in domain.rglob("*.py") if domain.exists() else ():
        assert not imports(path) & IO_MODULES, path


def test_no_environment_reads_outside_settings() -> None:
    allowed = {"settings.py", "tracing.py"}
    roots = [REPO / "shared", REPO / "services", REPO / "cli"]
    for root in roots:
        for path in root.rglob("*.py"):
            if path.name in allowed:
                continue
            text = path.read_text()
            # Handing the environment on to a child process is fine; reading a setting is not.
            reads = ("os.environ[", "os.environ.get(", "getenv(")
            assert not any(read in text for read in reads), path
