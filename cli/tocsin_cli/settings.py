"""The CLI's settings: read once from TOCSIN_* and overridden by the command line's options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .services import SERVICES, ServiceSpec, select

Port = Annotated[int, Field(ge=1, le=65535)]
_DEFAULT_PORT = {s.name: s.default_port for s in SERVICES}


class CliSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TOCSIN_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    config: Path = Path("deploy/tocsin.example.yaml")
    state_dir: Path = Path(".state")
    database_url: SecretStr | None = None
    kafka_bootstrap_servers: str | None = None
    topic_prefix: str = ""
    tansu_bin: str | None = None
    kafka_port: Port = 9092
    incident_port: Port = _DEFAULT_PORT["incident"]
    problem_port: Port = _DEFAULT_PORT["problem"]
    sla_monitor_port: Port = _DEFAULT_PORT["sla-monitor"]
    notifier_port: Port = _DEFAULT_PORT["notifier"]
    services: str = ""
    ready_timeout_s: float = Field(default=180.0, gt=0)
    stop_timeout_s: float = Field(default=20.0, gt=0)
    api_url: str = "http://127.0.0.1:8080"
    api_token: SecretStr | None = None
    action_link_secret: SecretStr | None = None

    def port_of(self, spec: ServiceSpec) -> int:
        port: int = getattr(self, spec.port_setting)
        return port

    def selected_services(self) -> tuple[ServiceSpec, ...]:
        return select(n.strip() for n in self.services.split(",") if n.strip())

    def dsn(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url else None
