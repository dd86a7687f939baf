"""Sample configuration and payloads shared by tests."""

from __future__ import annotations

from tocsin_shared.config import parse_config
from tocsin_shared.config.models import TocsinConfig

INTEGRATION_KEY = "test-integration-key"
RESPONDER_TOKEN = "test-responder-token"
VIEWER_TOKEN = "test-viewer-token"
WEBHOOK_SECRET = "test-webhook-secret"


def config_yaml(*, webhook_url: str = "http://127.0.0.1:9/unused") -> str:
    return f"""
version: 1
services:
  - name: checkout
    escalation_policy: checkout-default
integrations:
  - name: checkout-native
    service: checkout
    key: {INTEGRATION_KEY}
api_tokens:
  - name: alice
    role: responder
    token: {RESPONDER_TOKEN}
  - name: victor
    role: viewer
    token: {VIEWER_TOKEN}
channels:
  - name: ops-webhook
    type: webhook
    url: {webhook_url}
    secret: {WEBHOOK_SECRET}
escalation_policies:
  - name: checkout-default
    levels:
      - targets: [{{channel: ops-webhook}}]
        delay_minutes: 10
sla_policies:
  - name: checkout-tta
    target: time_to_acknowledge
    minutes: 15
    services: [checkout]
"""


def sample_config(*, webhook_url: str = "http://127.0.0.1:9/unused") -> TocsinConfig:
    return parse_config(config_yaml(webhook_url=webhook_url), source="tests")
