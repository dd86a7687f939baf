"""Twelve-factor settings: one pydantic-settings object per process, read once, passed on."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(BaseSettings):
    """What every Tocsin service process needs. Services subclass it and set their name and port."""

    model_config = SettingsConfigDict(
        env_prefix="TOCSIN_", extra="ignore", frozen=True, populate_by_name=True
    )

    SERVICE: ClassVar[str] = "service"

    database_url: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/tocsin")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    config: Path = Path("deploy/tocsin.example.yaml")
    topic_prefix: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    log_level: str = "INFO"
    log_json: bool = True
    trace_file: Path | None = None  # where OTEL_TRACES_EXPORTER=file appends spans
    instance_id: str = Field(default_factory=_default_instance_id)
    public_url: str = ""
    db_pool_min: int = 1
    db_pool_max: int = 10
    consumer_max_attempts: int = Field(5, ge=1, le=100)
    consumer_retry_backoff_s: float = Field(0.2, ge=0, le=60)
    consumer_batch_size: int = Field(200, ge=1, le=5000)
    consumer_session_timeout_ms: int = Field(10_000, ge=1_000, le=300_000)
    outbox_poll_interval_s: float = Field(1.0, gt=0, le=60)
    outbox_batch_size: int = Field(500, ge=1, le=10_000)

    def dsn(self) -> str:
        return self.database_url.get_secret_value()

    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


def service_port_field(service: str, default: int) -> int:
    env = service.upper().replace("-", "_")
    return Field(  # type: ignore[no-any-return]
        default, validation_alias=AliasChoices(f"TOCSIN_{env}_PORT", "TOCSIN_PORT")
    )
